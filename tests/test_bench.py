"""The benchmark's own machinery (not its timings): synthetic exports and a tiny run of the figures."""

from __future__ import annotations

import copy
import importlib
from pathlib import Path

import pytest

from ops import bench, offline, synthetic
from ops.export import read_export
from ops.synthetic import grow, write_synthetic_export
from tests.harness import analyze, plan


def test_a_grown_plan_has_the_size_asked_for_and_stays_a_consistent_stack(tmp_path: Path) -> None:
    run = plan("production")
    grown = grow(run, 300)
    assert len(grown) == 300
    urns = [r.urn for r in grown]
    assert len(set(urns)) == len(urns)
    known = set(urns)
    assert all(r.parent in known for r in grown if r.parent)
    assert all(r.provider_urn in known for r in grown if r.provider)
    assert all(d in known for r in grown for deps in r.property_dependencies.values() for d in deps)
    write_synthetic_export(tmp_path / "x.json", run, 300)
    assert len(read_export(tmp_path / "x.json")) == 300
    # Whole copies of a compliant stack are compliant: the benchmark measures clean evaluation, not
    # reporting. (A copy cut short at the requested size may lack, say, a project's firewall.)
    once = len(synthetic.shared(run))
    whole = grow(run, once + 2 * (len(run.resources) - once))
    assert [v for v in analyze("production", whole) if v.mandatory] == []


def test_the_check_figures_run_at_a_small_size(capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    # The bench plans production first; the session's plan of it is the same, so it is handed over.
    monkeypatch.setattr(offline, "run_program", lambda stack: copy.deepcopy(plan(stack)))
    figures = bench.check_figures([40, 80], rounds=1)
    out = capsys.readouterr().out
    assert "resources/s" in out and "the pack's own checks add" in out
    assert figures["check_80_per_s"] > 0 and figures["bare40_per_s"] > 0 and "overhead" in figures


def test_every_other_bench_exists_and_runs_as_a_module() -> None:
    # other_benches() skips a module it cannot find: a renamed bench must not silently drop its figures.
    for name in bench.OTHER_BENCHES:
        module = importlib.import_module(name)
        assert callable(module.main), name
        assert module.__spec__ is not None and module.__spec__.origin, name


def test_the_test_command_figure_is_the_median_of_the_counted_runs(monkeypatch: pytest.MonkeyPatch,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    from ops import bench_tests

    walls = iter([99.0, 50.0, 70.0, 40.0])  # the warm-up (not counted), then three runs: median 50 s
    monkeypatch.setattr(bench_tests, "run_test_command",
                        lambda extra=(): bench_tests.TestRun(next(walls), 80.0, 0, 0.1))
    assert bench_tests.main(["--runs", "3"]) == 0
    out = capsys.readouterr().out
    assert "median wall 50.0 s" in out and "meets the target" in out and out.count("  run ") == 3
    monkeypatch.setattr(bench_tests, "run_test_command", lambda extra=(): bench_tests.TestRun(30.0, 60.0, 1, 0.1))
    assert bench_tests.main(["--runs", "1"]) == 1  # a failing test command is no figure
