//! Timers of `kind: cron` services: a `.timer` unit next to the service's unit (the Quadlet
//! `.container` generates `<base>.service`; plain units write it as a oneshot `.service`), which
//! starts it on the schedule's calendar. The service itself is not started at boot and does not
//! remain active after it exits, so the timer can start it again.

use stackc_compiler::ir::Service;

use super::Emitter;
use super::unit::{Sec, Unit};
use crate::output::{Outcome, OutputFile};

/// Whether the service runs on a schedule (its unit has no `[Install]` and exits inactive).
pub(super) fn scheduled(svc: &Service) -> bool {
    svc.schedule.is_some()
}

/// The `.timer` of each scheduled service.
pub(super) fn timers(e: &mut Emitter) -> Vec<OutputFile> {
    let stack = e.stack;
    let mut out = Vec::new();
    for svc in stack.services.iter().filter(|s| scheduled(s)) {
        let Some(schedule) = &svc.schedule else {
            continue;
        };
        let base = e.base(svc);
        if schedule.days_are_ored() {
            e.loss(
                Some(svc),
                "schedule",
                Outcome::Approximated("cron runs when the day of month or the day of week matches; systemd's calendar needs both to match".into()),
                Some(schedule.span),
            );
        }
        let mut unit = Sec::new("Unit");
        unit.text(
            "Description",
            format!("Schedule of {} ({})", svc.name.value, e.name()),
            None,
        );
        let mut timer = Sec::new("Timer");
        timer.text("OnCalendar", schedule.on_calendar(), Some(schedule.span));
        // A run missed while the machine was off starts at the next boot.
        timer.text("Persistent", "true", None);
        timer.text("Unit", format!("{base}.service"), None);
        let mut install = Sec::new("Install");
        install.text("WantedBy", "timers.target", None);
        let u = Unit {
            header: e.header(),
            sections: vec![unit, timer, install],
        };
        let path = format!("{base}.timer");
        match u.render(&stack.file, &path) {
            Ok(text) => out.push(OutputFile::new(path, text)),
            Err(d) => e.errors.extend(d),
        }
    }
    out
}
