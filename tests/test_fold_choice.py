"""bench/fold_choice.py reads each fold with the choice the other folds made, never its own."""

from conftest import bench_module


def _rows(figures: dict[int, tuple[float, float]]) -> dict:
    """Two questions per fold, each with the (hit@5, MRR@10) its fold is given."""
    return {("set", f"q{fold}-{i}"): {"hit@5": hit, "mrr@10": mrr, "fold": fold}
            for fold, (hit, mrr) in figures.items() for i in range(2)}


def test_each_fold_is_read_with_what_the_other_folds_chose():
    with bench_module("fold_choice") as fold_choice:
        rows = {
            '{"frame": 1}': _rows({0: (1.0, 1.0), 1: (0.0, 0.0), 2: (0.0, 0.0), 3: (0.0, 0.0), 4: (0.0, 0.0)}),
            '{"frame": 0.25}': _rows({0: (0.0, 0.0), 1: (1.0, 0.5), 2: (1.0, 0.5), 3: (1.0, 0.5), 4: (1.0, 0.5)}),
        }
        result = fold_choice.choose(rows, "mean")
    chosen = [fold["chosen"]["frame"] for fold in result["folds"]]
    assert chosen == [0.25, 0.25, 0.25, 0.25, 0.25]  # fold 0 favours 1, but fold 0 does not choose for itself
    assert result["held_out"] == {"hit@5": 0.8, "mrr@10": 0.4, "n": 10}
    assert result["mrr_difference_from_first"][0] == round((4 * 2 * 0.5 - 2 * 1.0) / 10, 4)
