//! Scores `perpetual` (budget 0.5 and 1.0) with the same 5 stratified folds
//! and metrics as `examples/churn_eval.rs`.

use perpetual::objective::Objective;
use perpetual::{Matrix, PerpetualBooster};

fn auc(scores: &[f64], labels: &[f64]) -> f64 {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let (mut rank_sum, mut i) = (0.0, 0);
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && scores[order[j + 1]] == scores[order[i]] {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        rank_sum += order[i..=j].iter().filter(|&&k| labels[k] == 1.0).count() as f64 * rank;
        i = j + 1;
    }
    let p = labels.iter().filter(|&&y| y == 1.0).count() as f64;
    let n = labels.len() as f64 - p;
    (rank_sum - p * (p + 1.0) / 2.0) / (p * n)
}

fn precision_at_decile(scores: &[f64], labels: &[f64]) -> f64 {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
    let top = ((scores.len() as f64 * 0.1).ceil() as usize).max(1);
    order[..top].iter().filter(|&&i| labels[i] == 1.0).count() as f64 / top as f64
}

fn main() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../target/churn-eval");
    for name in ["iranian", "ibm"] {
        let path = format!("{root}/{name}_folds.csv");
        let Ok(text) = std::fs::read_to_string(&path) else {
            println!("{name}: skipped, {path} not found (run the churn_eval example first)");
            continue;
        };
        let mut lines = text.lines();
        let cols = lines.next().unwrap().split(',').count() - 2;
        let (mut x, mut y, mut fold) = (Vec::new(), Vec::new(), Vec::new());
        for line in lines {
            let fields: Vec<&str> = line.split(',').collect();
            x.push(
                fields[..cols]
                    .iter()
                    .map(|f| f.parse().unwrap_or(f64::NAN))
                    .collect::<Vec<f64>>(),
            );
            y.push(fields[cols].parse::<f64>().unwrap());
            fold.push(fields[cols + 1].parse::<usize>().unwrap());
        }
        let k = fold.iter().max().unwrap() + 1;
        println!("{name}: {} rows, {k} folds from {path}", y.len());
        for budget in [0.5f32, 1.0] {
            let start = std::time::Instant::now();
            let (mut aucs, mut precisions) = (0.0, 0.0);
            for f in 0..k {
                let column_major = |rows: &[usize]| -> Vec<f64> {
                    (0..cols)
                        .flat_map(|c| rows.iter().map(move |&r| (r, c)))
                        .map(|(r, c)| x[r][c])
                        .collect()
                };
                let train: Vec<usize> = (0..y.len()).filter(|&i| fold[i] != f).collect();
                let test: Vec<usize> = (0..y.len()).filter(|&i| fold[i] == f).collect();
                let train_data = column_major(&train);
                let test_data = column_major(&test);
                let train_y: Vec<f64> = train.iter().map(|&i| y[i]).collect();
                let test_y: Vec<f64> = test.iter().map(|&i| y[i]).collect();
                let mut model = PerpetualBooster::default()
                    .set_objective(Objective::LogLoss)
                    .set_budget(budget);
                model
                    .fit(&Matrix::new(&train_data, train.len(), cols), &train_y, None, None)
                    .unwrap();
                let scores = model.predict_proba(&Matrix::new(&test_data, test.len(), cols), true, false);
                aucs += auc(&scores, &test_y);
                precisions += precision_at_decile(&scores, &test_y);
            }
            println!(
                "  perpetual budget {budget:.1}: mean ROC AUC {:.4}, mean precision@top10% {:.4} ({:.2} s for {k} fits)",
                aucs / k as f64,
                precisions / k as f64,
                start.elapsed().as_secs_f64()
            );
        }
    }
}
