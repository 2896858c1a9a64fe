//! Timers of `kind: cron` services: a `.timer` unit next to the service's unit (the Quadlet
//! `.container` generates `<base>.service`; plain units write it as a oneshot `.service`), which
//! starts it on the schedule's calendar. The service itself is not started at boot and does not
//! remain active after it exits, so the timer can start it again.

use super::plan::StackPlan;
use super::unit::{Sec, Unit};
use super::{Emitter, push_unit};
use crate::output::OutputFile;

/// ` *.timer` when the stack has scheduled services (the plain units' copy command).
pub(super) fn copy_glob(plan: &StackPlan) -> &'static str {
    if plan.timers.is_empty() {
        ""
    } else {
        " *.timer"
    }
}

/// The README's paragraph on the timers: where they go and how they are enabled.
pub(super) fn readme_section(plan: &StackPlan, quadlet: bool) -> String {
    let timers: Vec<String> = plan
        .timers
        .iter()
        .map(|t| format!("{}.timer", t.base))
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
pub(super) fn render(e: &mut Emitter, plan: &StackPlan) -> Vec<OutputFile> {
    let mut out = Vec::new();
    for t in &plan.timers {
        let mut unit = Sec::new("Unit");
        unit.text("Description", t.description.clone(), None);
        let mut timer = Sec::new("Timer");
        let (calendar, span) = &t.calendar;
        timer.text("OnCalendar", calendar.clone(), Some(*span));
        // A run missed while the machine was off starts at the next boot.
        timer.text("Persistent", "true", None);
        timer.text("Unit", format!("{}.service", t.base), None);
        let mut install = Sec::new("Install");
        install.text("WantedBy", "timers.target", None);
        let u = Unit {
            header: e.header(),
            sections: vec![unit, timer, install],
        };
        push_unit(e, &mut out, format!("{}.timer", t.base), &u);
    }
    out
}
