"""Registries and rules: what runs is rules/pipeline.yaml; every YAML file in
rules/ is read by a loader that reports mistakes with file and line; the
rules version covers every rule file."""
from __future__ import annotations

import shutil

import pytest

from nianbao import registry
from nianbao.extractors.awards import load_award_rules
from nianbao.extractors.facts import Facts, Flag
from nianbao.extractors.metric_rules import load_metric_rules
from nianbao.extractors.numbers import load_units
from nianbao.extractors.attribute_rules import load_attribute_rules
from nianbao.ingest import formats, headings, parse
from nianbao.ingest.ocr_rules import load_ocr_rules
from nianbao.review import review_document
from nianbao.review.rules import check_rules, review_rules, templates
from nianbao.rules import RULES_DIR
from nianbao.rules.loader import RulesError, rule_files, rules_digest
from nianbao.store.compare import display_rules

from conftest import CORPUS

#: every YAML file of rules/ → the loader that reads and checks it
LOADERS = {
    "metrics.yaml": load_metric_rules, "units.yaml": load_units, "awards.yaml": load_award_rules,
    "attributes.yaml": load_attribute_rules, "review.yaml": review_rules, "checks.yaml": check_rules,
    "templates/report-templates.yaml": templates, "headings.yaml": headings._load,
    "compare.yaml": display_rules, "pipeline.yaml": registry.pipeline_config, "formats.yaml": formats.reasons,
    "ocr.yaml": load_ocr_rules,
}


def _uncached(loader):
    return getattr(loader, "__wrapped__", loader)


def test_every_rule_file_has_a_checking_loader():
    yamls = {p.relative_to(RULES_DIR).as_posix() for p in rule_files() if p.suffix == ".yaml"}
    assert yamls == set(LOADERS), "a YAML file in rules/ without a loader that checks it (add it to LOADERS)"
    for name, loader in LOADERS.items():
        assert _uncached(loader)(str(RULES_DIR / name)) is not None


@pytest.mark.parametrize("name", sorted(LOADERS))
def test_a_syntax_error_names_file_and_line(tmp_path, name):
    src = RULES_DIR / name
    bad = tmp_path / src.name
    lines = src.read_text(encoding="utf-8").splitlines()
    at = len(lines)
    lines.append("broken: [unclosed, list")        # a YAML syntax error at the end
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(RulesError) as e:
        _uncached(LOADERS[name])(str(bad))
    assert e.value.path == str(bad) and e.value.line is not None and e.value.line >= at
    assert str(e.value).startswith(f"{bad}:")


@pytest.mark.parametrize("name", sorted(LOADERS))
def test_a_wrong_shape_is_refused(tmp_path, name):
    bad = tmp_path / "wrong.yaml"
    bad.write_text("- just\n- a list\n" if name != "templates/report-templates.yaml" else "just: a mapping\n",
                   encoding="utf-8")
    with pytest.raises((RulesError, ValueError)) as e:
        _uncached(LOADERS[name])(str(bad))
    assert str(bad) in str(e.value)


def test_pipeline_config_names_registered_functions():
    cfg = registry.pipeline_config()
    assert cfg["extractors"][0] == "attributes" and "awards" in cfg["extractors"]
    assert {"outline", "sum_mismatch", "out_of_range", "implausible", "derived_mismatch"} <= set(cfg["checks"])
    assert cfg["store_checks"] == ("yoy_jump",)
    for key, names in cfg.items():
        for name in names:
            assert callable(registry.REGISTRIES[key].get(name))


def test_unknown_or_repeated_name_in_pipeline_yaml(tmp_path):
    text = (RULES_DIR / "pipeline.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "pipeline.yaml"
    bad.write_text(text.replace("  - implausible ", "  - no_such_check "), encoding="utf-8")
    with pytest.raises(RulesError) as e:
        registry.pipeline_config.__wrapped__(str(bad))
    line = next(i for i, s in enumerate(bad.read_text(encoding="utf-8").splitlines(), 1) if "no_such_check" in s)
    assert e.value.line == line and "no_such_check" in str(e.value) and "sum_mismatch" in str(e.value)
    bad.write_text(text.replace("  - implausible ", "  - outline "), encoding="utf-8")
    with pytest.raises(RulesError, match="listed twice"):
        registry.pipeline_config.__wrapped__(str(bad))


def test_a_new_check_is_a_registered_function_and_its_name(tmp_path, monkeypatch):
    """No Python list is edited: the check is registered, pipeline.yaml names it."""
    @registry.checks.register("test_many_tables")
    def many_tables(doc, facts):
        n = len(doc.tables())
        return [Flag(kind="many_tables", severity="info", rule="review/test", message=f"{n} tables")] if n > 3 else []

    doc = parse(CORPUS / "reports" / "A_zhongzhi_2023.docx")
    facts = Facts()
    facts.attributes = {"level": "中职", "year": 2023}
    try:
        assert "many_tables" not in {f.kind for f in review_document(doc, facts)}
        cfg = tmp_path / "pipeline.yaml"
        text = (RULES_DIR / "pipeline.yaml").read_text(encoding="utf-8")
        cfg.write_text(text.replace("store_checks:", "  - test_many_tables\n\nstore_checks:"), encoding="utf-8")
        monkeypatch.setattr(registry, "PIPELINE_PATH", cfg)
        registry.pipeline_config.cache_clear()
        kinds = [f.kind for f in review_document(doc, facts)]
        assert kinds.count("many_tables") == 1
    finally:
        registry.checks._items.pop("test_many_tables", None)
        monkeypatch.undo()
        registry.pipeline_config.cache_clear()


def test_a_registered_name_is_registered_once():
    with pytest.raises(ValueError, match="registered twice"):
        registry.checks.register("outline")(lambda doc, facts: [])


def test_rules_version_covers_every_rule_file(tmp_path):
    copy = tmp_path / "rules"
    shutil.copytree(RULES_DIR, copy, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    before = rules_digest.__wrapped__(str(copy))
    assert before == rules_digest.__wrapped__(str(RULES_DIR))
    for name in [p.relative_to(copy) for p in rule_files(copy)]:
        f = copy / name
        old = f.read_bytes()
        f.write_bytes(old + b"\n")
        assert rules_digest.__wrapped__(str(copy)) != before, f"{name} is not part of the rules version"
        f.write_bytes(old)
