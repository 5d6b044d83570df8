//! The churn model: training, explanation, save/load and corruption, and a
//! cross-validated AUC floor on the real Iranian operator data.

use custinsight::churn::{
    cross_validate, iranian_dataset, precision_at_top, profile_features, roc_auc, stratified_folds,
    ChurnModel, Dataset, TrainParams, PROFILE_FEATURES,
};
use custinsight::{AccountStatus, CustomerProfile, ErrorKind};

const IRANIAN: &str = include_str!("../data/telco-churn-iranian-uci/Customer_Churn.csv");

fn iranian() -> Dataset {
    iranian_dataset(IRANIAN).expect("the bundled file parses")
}

#[test]
fn iranian_data_is_de_duplicated_and_mapped() {
    let data = iranian();
    assert_eq!(data.len(), 2850, "3,150 rows less 300 exact duplicates");
    assert_eq!(data.labels().iter().filter(|&&y| y).count(), 446);
    assert_eq!(data.features(), PROFILE_FEATURES.map(str::to_owned));
    // First row: 8,0,38,0,4370,71,5,17,3,1,1,30,197.64,0
    let row = data.row(0);
    assert_eq!(row[0], 8.0);
    assert_eq!(row[2], 38.0);
    assert!((row[4] - 4370.0 / 60.0 / 9.0).abs() < 1e-12);
    assert_eq!((row[9], row[10]), (0.0, 0.0), "pay-as-you-go, active");
    assert!(!data.labels()[0]);
    let err = iranian_dataset("Complains,Churn\n1,0\n").unwrap_err();
    assert!(err.to_string().contains("Call  Failure"), "{err}");
}

#[test]
fn cross_validated_auc_on_iranian_customers_is_high() {
    let data = iranian();
    let folds = stratified_folds(data.labels(), 5, 20261124).unwrap();
    for fold in 0..5 {
        let churners = (0..data.len())
            .filter(|&i| folds[i] == fold && data.labels()[i])
            .count();
        assert!((89..=90).contains(&churners), "fold {fold}: {churners} churners");
    }
    let report = cross_validate(&data, &TrainParams::default(), &folds).unwrap();
    // scikit-learn's HistGradientBoostingClassifier reaches 0.990 on these folds.
    assert!(report.mean_auc > 0.98, "{report:?}");
    assert!(
        report.mean_precision_at_decile > 0.9,
        "{}",
        report.mean_precision_at_decile
    );
    assert!(report.out_of_fold.iter().all(|p| (0.0..=1.0).contains(p)));
}

#[test]
fn metrics_match_hand_computed_values() {
    assert_eq!(roc_auc(&[0.1, 0.4, 0.35, 0.8], &[false, false, true, true]), 0.75);
    assert_eq!(roc_auc(&[0.5, 0.5], &[false, true]), 0.5, "ties count one half");
    assert_eq!(
        precision_at_top(
            &[0.9, 0.1, 0.8, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.05, 0.01],
            &[true; 11],
            0.1
        ),
        1.0
    );
    let scores: Vec<f64> = (0..20).map(f64::from).collect();
    let labels: Vec<bool> = (0..20).map(|i| i == 19 || i == 0).collect();
    assert_eq!(precision_at_top(&scores, &labels, 0.1), 0.5, "top 2 of 20");
}

fn small_model() -> (Dataset, ChurnModel) {
    let data = iranian();
    let model = ChurnModel::train(
        &data,
        &TrainParams {
            trees: 20,
            ..TrainParams::default()
        },
    )
    .unwrap();
    (data, model)
}

#[test]
fn explanations_add_up_to_the_prediction() {
    let (data, model) = small_model();
    for i in [0, 7, 100, 2000] {
        let explained = model.explain_row(data.row(i));
        let log_odds = explained.bias + explained.contributions.iter().map(|(_, c)| c).sum::<f64>();
        let probability = 1.0 / (1.0 + (-log_odds).exp());
        assert!((probability - model.predict_row(data.row(i))).abs() < 1e-12);
        assert!((explained.probability - probability).abs() < 1e-12);
        for pair in explained.contributions.windows(2) {
            assert!(pair[0].1.abs() >= pair[1].1.abs());
        }
    }
}

#[test]
fn a_model_scores_profiles_through_the_shared_feature_names() {
    let (_, model) = small_model();
    let now = "2026-11-20T09:00:00Z".parse().unwrap();
    let mut profile = CustomerProfile::default();
    let features = profile_features(&profile, now);
    assert_eq!(features[10], 0.0, "active");
    assert!(features[0].is_nan() && features[2].is_nan());
    let active = model.predict_profile(&profile, now);
    profile.account.status = AccountStatus::Suspended;
    let inactive = model.predict_profile(&profile, now);
    assert!(
        inactive > active,
        "non-active customers churn more: {inactive} vs {active}"
    );
}

#[test]
fn save_load_round_trips_and_damage_is_reported() {
    let (data, model) = small_model();
    let bytes = model.to_bytes();
    let loaded = ChurnModel::from_bytes(&bytes).unwrap();
    assert_eq!(loaded, model);
    for i in 0..50 {
        assert_eq!(loaded.predict_row(data.row(i)), model.predict_row(data.row(i)));
    }
    let err = ChurnModel::from_bytes(&bytes[..bytes.len() - 1]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ModelFormat);
    assert!(err.to_string().contains("truncated"), "{err}");
    let mut corrupted = bytes.clone();
    corrupted[bytes.len() / 2] ^= 0x40;
    let err = ChurnModel::from_bytes(&corrupted).unwrap_err();
    assert!(err.to_string().contains("corrupted"), "{err}");
    let mut other_kind = bytes.clone();
    other_kind[4..8].copy_from_slice(b"CLSF");
    let err = ChurnModel::from_bytes(&other_kind).unwrap_err();
    assert!(err.to_string().contains("CHRN"), "{err}");
    assert_eq!(
        ChurnModel::from_bytes(b"").unwrap_err().kind(),
        ErrorKind::ModelFormat
    );
}

#[test]
fn training_rejects_one_class_and_bad_parameters() {
    let data = Dataset::new(vec!["x".to_owned()], vec![1.0, 2.0, 3.0], vec![false; 3]).unwrap();
    assert_eq!(
        ChurnModel::train(&data, &TrainParams::default())
            .unwrap_err()
            .kind(),
        ErrorKind::Training
    );
    let data = Dataset::new(vec!["x".to_owned()], vec![1.0, 2.0], vec![false, true]).unwrap();
    let err = ChurnModel::train(
        &data,
        &TrainParams {
            learning_rate: 0.0,
            ..TrainParams::default()
        },
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(Dataset::new(vec!["x".to_owned()], vec![1.0], vec![false, true]).is_err());
    assert!(Dataset::new(vec!["x".to_owned(), "x".to_owned()], vec![], vec![]).is_err());
}
