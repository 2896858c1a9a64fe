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

/// ` *.timer` when the stack has scheduled services (the plain units' copy command).
pub(super) fn copy_glob(e: &Emitter) -> &'static str {
    if e.stack.services.iter().any(scheduled) {
        " *.timer"
    } else {
        ""
    }
}

/// The README's paragraph on the timers: where they go and how they are enabled.
pub(super) fn readme_section(e: &Emitter, quadlet: bool) -> String {
    let timers: Vec<String> = e
        .stack
        .services
        .iter()
        .filter(|s| scheduled(s))
        .map(|s| format!("{}.timer", e.base(s)))
        .collect();
    if timers.is_empty() {
        return String::new();
    }
    let mut t = String::from("\n## Timers\n\n");
    if quadlet {
        t.push_str("Quadlet does not read `.timer` files: put them with the user's (or the system's) units,\nwhere they start the `.service` Quadlet generates from the `.container` of the same name:\n\n```sh\n");
        t.push_str("# rootless; rootful: /etc/systemd/system and `systemctl`\nmkdir -p ~/.config/systemd/user && cp *.timer ~/.config/systemd/user/\n");
        t.push_str(&format!(
            "systemctl --user daemon-reload\nsystemctl --user enable --now {}\n```\n",
            timers.join(" ")
        ));
    } else {
        t.push_str(&format!(
            "Scheduled jobs start from their timers, not at boot:\n\n```sh\nsystemctl --user enable --now {}   # rootful: systemctl\n```\n",
            timers.join(" ")
        ));
    }
    t.push_str("Their calendars are UTC; `systemctl list-timers` shows the next runs.\n");
    t
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
