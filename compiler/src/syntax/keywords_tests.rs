use super::*;

/// `parse(spelling(k)) == k` for every word; spellings are distinct, non-empty and trimmed;
/// meanings are one non-empty line.
fn round_trip<K: Keyword>() -> usize {
    for &k in K::ALL {
        assert_eq!(K::parse(k.spelling()), Some(k), "{}", K::WHAT);
        assert!(!k.spelling().is_empty() && k.spelling().trim() == k.spelling());
        assert!(!k.meaning().is_empty() && !k.meaning().contains('\n'));
    }
    let mut s = K::spellings();
    s.sort();
    s.dedup();
    assert_eq!(s.len(), K::ALL.len(), "{}: a spelling twice", K::WHAT);
    assert_eq!(K::parse(""), None);
    K::ALL.len()
}

#[test]
fn every_word_parses_back_from_its_spelling() {
    let counts = [
        round_trip::<ServiceKind>(),
        round_trip::<Role>(),
        round_trip::<RestartPolicy>(),
        round_trip::<SecurityDefaults>(),
        round_trip::<HostNamespace>(),
        round_trip::<Exposure>(),
        round_trip::<Protocol>(),
        round_trip::<MountMode>(),
        round_trip::<Condition>(),
        round_trip::<Alphabet>(),
        round_trip::<AccessMode>(),
        round_trip::<Preset>(),
        round_trip::<Profile>(),
        round_trip::<K8sVersion>(),
        round_trip::<K8sExpose>(),
        round_trip::<PodSecurity>(),
        round_trip::<AppProtocol>(),
        round_trip::<PortRoute>(),
        round_trip::<PatchOp>(),
        round_trip::<SystemdFlavour>(),
        round_trip::<Runtime>(),
    ];
    assert_eq!(counts.len(), 21);
    assert_eq!(counts.iter().sum::<usize>(), 65);
}

#[test]
fn exact_spellings() {
    assert_eq!(
        RestartPolicy::spellings(),
        ["always", "unless-stopped", "on-failure", "no"]
    );
    assert_eq!(RestartPolicy::UnlessStopped.as_str(), "unless-stopped");
    assert_eq!(HostNamespace::spellings(), ["pid", "ipc", "network", "uts"]);
    assert_eq!(AccessMode::ReadWriteOncePod.spelling(), "ReadWriteOncePod");
    assert_eq!(Preset::parse("rust-cargo"), Some(Preset::RustCargo));
    assert_eq!(K8sVersion::V1_33.to_string(), "1.33");
    assert_eq!(Condition::WHAT, "condition");
}

#[test]
fn parsing_is_exact() {
    assert_eq!(RestartPolicy::parse("Always"), None);
    assert_eq!(RestartPolicy::parse(" always"), None);
    assert_eq!(Protocol::parse("TCP"), None);
    assert_eq!(AccessMode::parse("readwriteonce"), None);
    assert_eq!(ServiceKind::parse("cron"), Some(ServiceKind::Cron));
}

#[test]
fn order_is_meaningful_where_compared() {
    assert!(PodSecurity::Restricted < PodSecurity::Baseline);
    assert!(PodSecurity::Baseline < PodSecurity::Privileged);
}

#[test]
fn compose_conditions_map_both_ways() {
    for &c in Condition::ALL {
        assert_eq!(Condition::from_compose_word(c.compose_word()), Some(c));
    }
    assert_eq!(
        Condition::from_compose_word("service_completed_successfully"),
        Some(Condition::Completed)
    );
    assert_eq!(Condition::from_compose_word("healthy"), None);
}
