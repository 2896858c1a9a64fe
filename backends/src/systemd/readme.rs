//! Install instructions: printed by the CLI after a build and written as `README.md` next to
//! the units. The text is deterministic (paths relative to the output directory, no absolute
//! paths of the build machine) and never contains a secret value: it tells the operator how
//! to move the values `stackc secrets init` wrote into podman secrets and 0600 env files.

use crate::escape::shell_quote;
use stackc_compiler::ir::{Runtime, Stack, SystemdFlavour, SystemdOptions};

use super::Emitter;
use super::plan::{self, StackPlan};
use crate::output::{EmitContext, GENERATED_MARKER};

/// Install instructions for the flavour, with the spec's runtime and Podman version.
pub fn install_instructions(stack: &Stack, ctx: &EmitContext, flavour: SystemdFlavour) -> String {
    let opts = SystemdOptions {
        flavour,
        ..stack.targets.systemd.clone()
    };
    install_instructions_with(stack, ctx, &opts)
}

/// Install instructions for the given options (commands to run from the output directory).
pub fn install_instructions_with(
    stack: &Stack,
    ctx: &EmitContext,
    opts: &SystemdOptions,
) -> String {
    match Emitter::new(stack, ctx, opts) {
        Ok(mut e) => {
            let plan = plan::lower(&mut e);
            instructions(&e, &plan)
        }
        Err(_) => "The systemd units could not be built; see the errors above.\n".to_string(),
    }
}

/// `README.md`: the generated-file marker, then the instructions.
pub(super) fn readme(e: &Emitter, plan: &StackPlan) -> String {
    let header = e.ctx.header_lines(&e.stack.env).join(" ");
    debug_assert!(header.contains(GENERATED_MARKER));
    format!("<!-- {header} -->\n{}", instructions(e, plan))
}

/// What every section of the instructions depends on.
struct Facts<'a> {
    name: &'a str,
    quadlet: bool,
    docker: bool,
    /// Rootless Podman cannot run the units (see `rootful`).
    rootful_only: bool,
    state_user: String,
    state_root: String,
}

fn instructions(e: &Emitter, plan: &StackPlan) -> String {
    let name = e.name();
    let quadlet = e.opts.flavour == SystemdFlavour::Quadlet;
    let f = Facts {
        name,
        quadlet,
        docker: !quadlet && e.runtime() == Runtime::Docker,
        rootful_only: !plan.rootful.is_empty(),
        state_user: format!("~/.config/stackc/{name}"),
        state_root: format!("/etc/stackc/{name}"),
    };
    let mut t = String::new();
    for section in [intro, install, secrets, start] {
        section(e, plan, &f, &mut t);
    }
    t
}

/// The title and the rootless/rootful note.
fn intro(e: &Emitter, plan: &StackPlan, f: &Facts, t: &mut String) {
    let Facts {
        name,
        quadlet,
        docker,
        ..
    } = *f;
    let kind = if quadlet {
        format!("Podman Quadlet units for Podman {} or later", e.version)
    } else if docker {
        "systemd units running `docker run`".to_string()
    } else {
        "systemd units running `podman run`".to_string()
    };
    t.push_str(&format!(
        "# `{name}`: {kind} (environment `{}`)\n\n",
        e.stack.env
    ));
    t.push_str(
        "Run the commands below from this directory. Rootless means your own user's systemd\n",
    );
    t.push_str("(`systemctl --user`); rootful means the system's (`systemctl`, as root).\n");
    if docker {
        t.push_str("Docker units talk to the system's Docker daemon: install them rootful.\n");
    }
    if let Some(note) = super::rootful::readme_note(e, &plan.rootful) {
        t.push_str(&note);
    }
}

/// Where the files go.
fn install(e: &Emitter, plan: &StackPlan, f: &Facts, t: &mut String) {
    let Facts {
        name,
        quadlet,
        docker,
        rootful_only,
        ..
    } = *f;
    let (state_user, state_root) = (&f.state_user, &f.state_root);
    t.push_str("\n## 1. Install the files\n\n");
    if quadlet && rootful_only {
        t.push_str(&format!(
            "```sh\n# rootful (see above)\ndest=/etc/containers/systemd/{name}\nmkdir -p \"$dest\" && cp -R . \"$dest\"\n```\n\n"
        ));
    } else if quadlet {
        t.push_str(&format!(
            "```sh\n# rootless\ndest=~/.config/containers/systemd/{name}\n# rootful\n# dest=/etc/containers/systemd/{name}\nmkdir -p \"$dest\" && cp -R . \"$dest\"\n```\n\n"
        ));
    }
    if quadlet {
        t.push_str("Quadlet reads subdirectories of its directory since Podman 4.7; for an older Podman,\n");
        t.push_str(
            "copy the files into the directory itself. Config files (`files/`) are mounted from\n",
        );
        t.push_str("next to the units, so keep them together.\n");
    } else {
        let units_dir = if docker {
            "/etc/systemd/system".to_string()
        } else {
            "~/.config/systemd/user".to_string()
        };
        t.push_str("```sh\n");
        if docker {
            t.push_str(&format!(
                "cp *.service{} {units_dir}/\nmkdir -p {state_root}\n",
                super::timer::copy_glob(plan)
            ));
        } else if rootful_only {
            t.push_str(&format!(
                "# rootful (see above)\nunits=/etc/systemd/system state={state_root}\nmkdir -p \"$units\" \"$state\" && cp *.service \"$units\"/\n"
            ));
        } else {
            t.push_str(&format!(
                "# rootless\nunits=~/.config/systemd/user state={state_user}\n# rootful\n# units=/etc/systemd/system state={state_root}\nmkdir -p \"$units\" \"$state\" && cp *.service{} \"$units\"/\n",
                super::timer::copy_glob(plan)
            ));
        }
        if !plan.copies.is_empty() {
            let state = if docker {
                state_root.clone()
            } else {
                "\"$state\"".to_string()
            };
            t.push_str(&format!("cp -R files {state}/\n"));
        }
        t.push_str("```\n\n");
        t.push_str(&format!(
            "`%E/stackc/{name}` in the units is the stack's state directory: `{state_user}` for your user,\n`{state_root}` for the system. It holds the config files (`files/`) and the env files.\n"
        ));
    }
    if plan.binds {
        let dest = if quadlet {
            "\"$dest\""
        } else if docker {
            state_root.as_str()
        } else {
            "\"$state\""
        };
        t.push_str(&format!(
            "\nDev bind mounts reach the project through a `project` link to the spec's directory:\n\n```sh\nln -sfn \"$(realpath {})\" {dest}/project\n```\n",
            shell_quote(&e.ctx.from_output("."))
        ));
    }
}

/// Secrets: podman secrets, docker secret files, env files from their templates.
fn secrets(e: &Emitter, plan: &StackPlan, f: &Facts, t: &mut String) {
    let Facts {
        quadlet, docker, ..
    } = *f;
    let (state_user, state_root) = (&f.state_user, &f.state_root);
    let podman_secrets = &plan.podman_secrets;
    let templates = &plan.env_files;
    t.push_str("\n## 2. Secrets\n\n");
    if podman_secrets.is_empty() && templates.is_empty() {
        t.push_str("No service uses a secret.\n");
    } else {
        t.push_str(
            "No secret value is in these files. Load the values `stackc secrets init` wrote:\n\n",
        );
        t.push_str(&format!(
            "```sh\nset -a; . {}; set +a\n```\n",
            shell_quote(&e.ctx.from_output(".env"))
        ));
    }
    if !podman_secrets.is_empty() {
        t.push_str("\nCreate the podman secrets the units read (`Secret=`), as the user that runs them:\n\n```sh\n");
        for (secret, env) in podman_secrets {
            t.push_str(&format!(
                "printf %s \"${env}\" | podman secret create {secret} -\n"
            ));
        }
        t.push_str("```\n\nTo change a value, `podman secret rm` the secret, create it again and restart the units.\n");
    }
    let docker_files = &plan.secret_files;
    if !docker_files.is_empty() {
        t.push_str("\nWrite the secret files the units mount (docker has no secrets outside swarm), in the state\ndirectory. Docker bind-mounts each file as it is, so it is readable by all (0644), for a\ncontainer that runs as another user, in a folder only its owner can enter (0700):\n\n```sh\n");
        t.push_str(&format!(
            "mkdir -p {state_root} && mkdir -p -m 0700 {state_root}/secrets\n"
        ));
        for (file, env) in docker_files {
            let path = format!("{state_root}/secrets/{file}");
            t.push_str(&format!(
                "(umask 077; printf %s \"${env}\" > {path}) && chmod 0644 {path}\n"
            ));
        }
        t.push_str("```\n");
    }
    if !templates.is_empty() {
        t.push_str(
            "\nWrite the env files (mode 0600) from their templates with `envsubst` (package `gettext-base`\nor `gettext`), which replaces only the variables listed:\n\n```sh\n",
        );
        if docker {
            t.push_str(&format!("state={state_root}\n"));
        } else if quadlet {
            t.push_str(&format!(
                "state={state_user}   # rootful: state={state_root}\n"
            ));
        }
        t.push_str("mkdir -p \"$state\"\n");
        for f in templates {
            let vars: Vec<String> = f.vars.iter().map(|v| format!("${{{v}}}")).collect();
            t.push_str(&format!(
                "(umask 077 && envsubst '{}' < {dns}.env.template > \"$state/{dns}.env\")\n",
                vars.join(" "),
                dns = f.dns_name
            ));
        }
        t.push_str("```\n");
    }
}

/// Starting the units.
fn start(_: &Emitter, plan: &StackPlan, f: &Facts, t: &mut String) {
    let Facts {
        name,
        quadlet,
        docker,
        rootful_only,
        ..
    } = *f;
    let units: Vec<String> = plan
        .services
        .iter()
        .filter(|s| !s.scheduled)
        .map(|s| format!("{}.service", s.base))
        .collect();
    let (ctl, journal) = if docker || rootful_only {
        ("systemctl", "journalctl")
    } else {
        ("systemctl --user", "journalctl --user")
    };
    t.push_str(&super::timer::readme_section(plan, quadlet));
    t.push_str("\n## 3. Start\n\n```sh\n");
    t.push_str(&format!("{ctl} daemon-reload\n"));
    if quadlet {
        t.push_str(&format!("{ctl} start {}\n```\n\n", units.join(" ")));
        t.push_str("Quadlet units are not `systemctl enable`d: on `daemon-reload` the generator applies their\n");
        t.push_str("`[Install]` section (`WantedBy=default.target`), so they start with the user's session (rootless;\n");
        t.push_str(
            "`loginctl enable-linger \"$USER\"` starts them at boot) or at boot (rootful).\n",
        );
    } else {
        t.push_str(&format!("{ctl} enable --now {}\n```\n\n", units.join(" ")));
        t.push_str("`WantedBy=default.target` starts them with the user's session (rootless; `loginctl enable-linger\n\"$USER\"` starts them at boot) or at boot (rootful).\n");
    }
    let rootful = if docker || rootful_only {
        ""
    } else {
        "Rootful: drop `--user`. "
    };
    t.push_str(&format!(
        "{rootful}Status: `{ctl} status {first}`; logs: `{journal} -u {first}`.\n",
        first = units
            .first()
            .cloned()
            .unwrap_or_else(|| format!("{name}-SERVICE.service"))
    ));
    t.push_str("Units start their dependencies (`Requires=`/`After=`): a job runs to completion first, and a\n");
    t.push_str("service others wait on as `healthy` counts as started only once its health check passes.\n");
}
