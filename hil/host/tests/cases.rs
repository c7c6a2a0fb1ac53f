//! The conformance corpus as vectors, and the report in the harness's format.

use memspec_conformance::corpus;
use memspec_conformance::plan::Plan;
use memspec_conformance::report::{Report as HarnessReport, SCHEMA, Status};
use memspec_hil::cases;
use memspec_hil::set::{Origin, VectorSet};
use memspec_hil::verdict::{Figures, Report, Trial};
use memspec_vector::plan;

#[test]
fn every_case_runs_under_every_profile_it_names_with_the_harness_plan_step_for_step() {
    let cases = corpus::load(&corpus::default_root()).expect("the corpus loads");
    let mut set = VectorSet::default();
    let claims = cases::add_corpus(&mut set, &corpus::default_root()).unwrap();
    assert_eq!(claims.len(), cases.len());
    let mut n = 0;
    for case in &cases {
        for &profile in &case.profiles {
            let plan = Plan::new(case, profile).unwrap();
            let v = set
                .vectors
                .iter()
                .find(|v| v.profile == profile && v.suite == case.id.suite && v.case == case.id.name)
                .unwrap_or_else(|| panic!("no vector for {} under {}", case.id, profile.name()));
            assert!(matches!(&v.origin, Origin::Case { id, .. } if *id == case.id.to_string()));
            let record = v.record().unwrap();
            let plan::Down::Vector(mut r) = plan::read_down(&record).unwrap() else {
                panic!("not a vector")
            };
            let mut params = plan::param_buf();
            for i in 0..plan.len() {
                let (_, got) = r.next_step(&mut params).unwrap().unwrap();
                assert_eq!(
                    format!("{got:?}"),
                    format!("{:?}", plan.step(i).unwrap()),
                    "{} step {i}",
                    v.name()
                );
            }
            assert!(r.next_step(&mut params).is_none());
            n += 1;
        }
    }
    assert_eq!(n, set.vectors.len());
}

#[test]
fn the_report_is_the_harness_format_and_reads_back() {
    let (set, claims) = cases::full_set().unwrap();
    let set = set.filtered(Some("micropython-a32/heap::"));
    assert!(!set.vectors.is_empty());
    let mut trials: Vec<Trial> = set
        .vectors
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let r = if i == 0 {
                Err("record 3 differs".to_string())
            } else {
                Ok(())
            };
            Trial::new(format!("qemu/{}", v.name()), r)
        })
        .collect();
    trials.push(Trial::new("qemu/run::transport".into(), Ok(())));
    let report = Report {
        subject: "qemu".into(),
        firmware: Some("qemu-virt".into()),
        end: "the firmware exited with code 0".into(),
        figures: Figures::of(set.vectors.len(), 0, 1.0, &[]),
        trials,
    };
    let h = report.harness(&set, &claims);
    let back = HarnessReport::parse("report.json", &h.to_json()).unwrap();
    assert_eq!(back.schema, SCHEMA);
    let first = back
        .trials
        .iter()
        .find(|t| t.name == format!("qemu/{}", set.vectors[0].name()))
        .unwrap();
    assert_eq!(first.status, Status::Fail);
    assert_eq!(first.message.as_deref(), Some("record 3 differs"));
    assert_eq!(first.profile, "micropython-a32");
    assert!(first.case.starts_with("micropython/heap::"), "{}", first.case);
    assert!(first.file.ends_with(".case"), "{}", first.file);
    assert_eq!(
        back.trials.iter().filter(|t| t.status == Status::Pass).count(),
        set.vectors.len()
    );
}
