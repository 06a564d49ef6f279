"""ops.diff: what a change does, from two stack exports, without credentials and without a secret value."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import dill  # type: ignore[import-untyped]
import pytest
import yaml

from config.stackfile import read_stack_file
from ops import diff as diff_cli
from ops.diff import replace_keys, secret_status
from ops.export import fingerprinter, secret_sources, to_document
from ops.resources import OFFLINE_CIPHERTEXT, SECRET_SIG, SIG_KEY, STACK_TYPE, map_secrets
from tests.harness import REPO, plan

STACK = "urn:pulumi:production::lightspeedpay::pulumi:pulumi:Stack::lightspeedpay-production"
WEB = "urn:pulumi:production::lightspeedpay::lightspeedpay:edge:VercelWebApp::web"
DATABASE = "urn:pulumi:production::lightspeedpay::lightspeedpay:database:Database::db"
PLAINTEXT = "s3cr3t-value-not-real"


def urn(type_: str, name: str, parent_type: str = "") -> str:
    prefix = f"{parent_type}$" if parent_type else ""
    return f"urn:pulumi:production::lightspeedpay::{prefix}{type_}::{name}"


def resource(type_: str, name: str, inputs: dict[str, Any], parent: str = STACK, custom: bool = True,
             provider: str = "") -> dict[str, Any]:
    parent_type = parent.split("::")[2] if parent != STACK else ""
    entry = {"urn": urn(type_, name, parent_type), "type": type_, "custom": custom, "parent": parent,
             "inputs": inputs, "outputs": inputs}
    if provider:
        entry["provider"] = provider
    return entry


def sealed(**basis: str) -> dict[str, Any]:
    """A secret envelope as an export stores it: ciphertext, plaintext, or ops.plan's fingerprint."""
    return {SIG_KEY: SECRET_SIG, **basis}


def export(path: Path, *entries: dict[str, Any]) -> Path:
    stack = {"urn": STACK, "type": STACK_TYPE, "custom": False, "outputs": {"apiUrl": "https://api.example"}}
    components = [
        {"urn": WEB, "type": "lightspeedpay:edge:VercelWebApp", "custom": False, "parent": STACK},
        {"urn": DATABASE, "type": "lightspeedpay:database:Database", "custom": False, "parent": STACK},
    ]
    document = {"version": 3, "deployment": {"manifest": {}, "resources": [stack, *components, *entries]}}
    path.write_text(json.dumps(document))
    return path


def project(node: str = "22.x", **extra: Any) -> dict[str, Any]:
    return resource("vercel:index/project:Project", "web-project", {"name": "web", "nodeVersion": node, **extra},
                    parent=WEB)


def env_var(value: dict[str, Any], name: str = "web-env-key") -> dict[str, Any]:
    return resource("vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable", name,
                    {"key": "RAZORPAY_KEY_SECRET", "value": value, "targets": ["production"]}, parent=WEB)


def supabase_project(region: str = "ap-south-1", plan_: str = "medium") -> dict[str, Any]:
    return resource("pulumi-python:dynamic/supabase:Project", "db-project",
                    {"name": "lightspeedpay", "organization_slug": "lsp", "region": region, "plan": plan_,
                     "__provider": sealed(ciphertext="Y29kZQ==")}, parent=DATABASE)


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str]:
    code = diff_cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out + err


@pytest.fixture
def base(tmp_path: Path) -> Path:
    return export(tmp_path / "base.json", project(), supabase_project(),
                  env_var(sealed(fingerprint="sha256:aaa")),
                  env_var(sealed(ciphertext="djE6QUFB"), "web-env-real"),
                  resource("cloudflare:index/dnsRecord:DnsRecord", "old-record", {"name": "old", "type": "CNAME"}))


def test_no_change_exits_0_and_says_so(capsys: pytest.CaptureFixture[str], base: Path) -> None:
    code, out = run(capsys, base, base)
    assert code == 0
    assert out.strip() == "Infrastructure diff: no changes (8 unchanged)"


def test_added_removed_changed_grouped_by_component(capsys: pytest.CaptureFixture[str], base: Path,
                                                    tmp_path: Path) -> None:
    head = export(tmp_path / "head.json", project("20.x", buildCommand="next build"), supabase_project(),
                  env_var(sealed(fingerprint="sha256:aaa")),
                  env_var(sealed(ciphertext="djE6QUFB"), "web-env-real"),
                  resource("cloudflare:index/dnsRecord:DnsRecord", "new-record", {"name": "new", "type": "A"}))
    code, out = run(capsys, "--json", base, head)
    assert code == 1
    document = json.loads(out)
    assert document["summary"] == {"add": 1, "remove": 1, "replace": 0, "update": 1, "unchanged": 6}
    groups = {g["component"]: g["resources"] for g in document["components"]}
    assert list(groups) == ["lightspeedpay:edge:VercelWebApp web", "stack"]
    [update] = groups["lightspeedpay:edge:VercelWebApp web"]
    assert update["action"] == "update" and update["name"] == "web-project"
    assert update["inputs"] == [
        {"path": "nodeVersion", "replaces": False, "old": "22.x", "new": "20.x", "absent": []},
        {"path": "buildCommand", "replaces": False, "old": None, "new": "next build", "absent": ["old"]},
    ]
    assert [(r["action"], r["name"]) for r in groups["stack"]] == [("add", "new-record"), ("remove", "old-record")]

    code, text = run(capsys, base, head)
    assert code == 1
    assert "nodeVersion: \"22.x\" → \"20.x\"" in text and "buildCommand: (absent) → \"next build\"" in text
    assert "+  cloudflare:index/dnsRecord:DnsRecord  new-record" in text and "name=new  type=A" in text


def test_a_replace_key_of_a_dynamic_kind_replaces(capsys: pytest.CaptureFixture[str], base: Path,
                                                  tmp_path: Path) -> None:
    head = export(tmp_path / "head.json", project(), supabase_project(region="ap-southeast-1", plan_="large"),
                  env_var(sealed(fingerprint="sha256:aaa")), env_var(sealed(ciphertext="djE6QUFB"), "web-env-real"),
                  resource("cloudflare:index/dnsRecord:DnsRecord", "old-record", {"name": "old", "type": "CNAME"}))
    code, out = run(capsys, "--json", base, head)
    assert code == 1
    [group] = json.loads(out)["components"]
    assert group["component"] == "lightspeedpay:database:Database db"
    [replaced] = group["resources"]
    assert replaced["action"] == "replace" and replaced["replaceReasons"] == ["region"]
    # `plan` changes in place; `__provider` (the pickled provider code) is not an input anyone reviews.
    assert {(i["path"], i["replaces"]) for i in replaced["inputs"]} == {("region", True), ("plan", False)}
    code, markdown = run(capsys, "--markdown", base, head)
    assert "| 0 | 0 | 1 | 0 | 7 |" in markdown
    assert "- **replace** `pulumi-python:dynamic/supabase:Project` `db-project` (replace: region)" in markdown
    assert "`region: \"ap-south-1\" → \"ap-southeast-1\"  (forces replacement)`" in markdown


def test_a_replacement_carries_to_resources_whose_replace_key_it_feeds(
    capsys: pytest.CaptureFixture[str], base: Path, tmp_path: Path
) -> None:
    def pooler(project_urn: str) -> dict[str, Any]:
        entry = resource("pulumi-python:dynamic/supabase:Pooler", "db-pooler",
                         {"project_ref": "abcdefghijklmnopqrst", "settings": {"default_pool_size": 20}},
                         parent=DATABASE)
        entry["propertyDependencies"] = {"project_ref": [project_urn]}
        return entry

    project_urn = supabase_project()["urn"]
    before = export(tmp_path / "before.json", supabase_project(), pooler(project_urn))
    moved = export(tmp_path / "moved.json", supabase_project(region="ap-southeast-1"), pooler(project_urn))
    code, out = run(capsys, "--json", before, moved)
    assert code == 1
    [group] = json.loads(out)["components"]
    assert [(r["name"], r["action"], r["replaceReasons"]) for r in group["resources"]] == [
        ("db-project", "replace", ["region"]),
        ("db-pooler", "replace", ["project_ref (from replaced db-project)"]),
    ]
    # An in-place change of the project leaves the pooler alone.
    in_place = export(tmp_path / "in-place.json", supabase_project(plan_="large"), pooler(project_urn))
    code, out = run(capsys, "--json", before, in_place)
    assert [r["name"] for g in json.loads(out)["components"] for r in g["resources"]] == ["db-project"]


def test_a_changed_provider_replaces(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    def record(provider: str) -> dict[str, Any]:
        return resource("cloudflare:index/dnsRecord:DnsRecord", "r", {"name": "a"}, provider=provider)

    one = "urn:pulumi:production::lightspeedpay::pulumi:providers:cloudflare::one::id-1"
    two = "urn:pulumi:production::lightspeedpay::pulumi:providers:cloudflare::two::id-2"
    base, head = export(tmp_path / "a.json", record(one)), export(tmp_path / "b.json", record(two))
    code, out = run(capsys, "--json", base, head)
    assert code == 1
    assert json.loads(out)["components"][0]["resources"][0]["replaceReasons"] == ["provider"]


@pytest.mark.parametrize(("old", "new", "status"), [
    (sealed(fingerprint="sha256:aaa"), sealed(fingerprint="sha256:bbb"), "changed"),
    (sealed(fingerprint="sha256:aaa"), sealed(fingerprint="sha256:aaa"), "unchanged"),
    (sealed(ciphertext="djE6QUFB"), sealed(ciphertext="djE6QUFB"), "unchanged"),
    (sealed(ciphertext="djE6QUFB"), sealed(ciphertext="djE6QkJC"), "unknown"),  # the engine may re-encrypt
    (sealed(plaintext=json.dumps(PLAINTEXT)), sealed(plaintext=json.dumps(PLAINTEXT)), "unchanged"),
    (sealed(plaintext=json.dumps(PLAINTEXT)), sealed(plaintext=json.dumps("other-not-real")), "changed"),
    (sealed(ciphertext="djE6QUFB"), sealed(fingerprint="sha256:aaa"), "unknown"),  # deployed vs planned
    (sealed(ciphertext=OFFLINE_CIPHERTEXT), sealed(ciphertext=OFFLINE_CIPHERTEXT), "unknown"),  # no fingerprint
    (sealed(fingerprint="sha256:aaa"), "now-in-plain-text", "changed"),
    (diff_cli.ABSENT, sealed(fingerprint="sha256:aaa"), "changed"),
])
def test_secret_status(old: Any, new: Any, status: str) -> None:
    assert secret_status(old, new) == status


def test_secrets_show_their_status_never_their_value(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    base = export(tmp_path / "base.json", env_var(sealed(plaintext=json.dumps(PLAINTEXT))),
                  env_var(sealed(fingerprint="sha256:aaa"), "web-env-same"),
                  env_var(sealed(ciphertext="djE6QUFB"), "web-env-real"))
    head = export(tmp_path / "head.json", env_var(sealed(plaintext=json.dumps("rotated-not-real"))),
                  env_var(sealed(fingerprint="sha256:aaa"), "web-env-same"),
                  env_var(sealed(ciphertext="djE6QkJC"), "web-env-real"))
    outputs = [run(capsys, *flags, base, head) for flags in ((), ("--json",), ("--markdown",))]
    assert {code for code, _ in outputs} == {1}
    for _, out in outputs:
        assert PLAINTEXT not in out and "rotated-not-real" not in out and "djE6" not in out
    document = json.loads(outputs[1][1])
    [group] = document["components"]
    [changed] = group["resources"]
    assert changed["name"] == "web-env-key" and changed["inputs"] == [
        {"path": "value", "replaces": False, "secret": "changed"}]
    assert changed["secrets"] == {"changed": ["value"]}
    # An unchanged secret is no change; one whose ciphertexts differ is counted, not guessed.
    real = urn("vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable", "web-env-real",
               "lightspeedpay:edge:VercelWebApp")
    assert document["unknownSecrets"] == [f"{real} value"]
    assert "value: [secret] changed" in outputs[0][1]
    assert "1 secret(s) of unchanged resources cannot be compared" in outputs[0][1]


def test_bad_input_exits_2_naming_the_file(capsys: pytest.CaptureFixture[str], base: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    wrong = tmp_path / "v2.json"
    wrong.write_text(json.dumps({"version": 2, "deployment": {}}))
    for bad, says in ((tmp_path / "missing.json", "file not found"), (broken, "not valid JSON"),
                      (wrong, "version 3")):
        code, out = run(capsys, base, bad)
        assert code == 2 and str(bad) in out and says in out and "Traceback" not in out


# --- fingerprints from the real plan ----------------------------------------------------------------


def _stack_file(tmp_path: Path, name: str, environment: str | None = None, **secure: str) -> Path:
    """The production stack file with `secure:` values set and ESC environment imported as given."""
    document = yaml.safe_load((REPO / "Pulumi.production.yaml").read_text())
    document.pop("environment", None)
    if environment:
        document["environment"] = [environment]
    document["config"].update({f"lightspeedpay:{k}": {"secure": v} for k, v in secure.items()})
    path = tmp_path / name
    path.write_text(yaml.safe_dump(document))
    return path


def _planned_export(tmp_path: Path, name: str, stack_file: Path) -> Path:
    run_ = plan("production")
    sources = secret_sources(read_stack_file(stack_file, "production"), run_.placeholders)
    path = tmp_path / name
    path.write_text(json.dumps(to_document(run_.resources, run_.outputs, fingerprinter(sources))))
    return path


def test_a_re_set_secure_value_changes_exactly_the_secrets_derived_from_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # The same plan, its stack file differing in one `secure:` ciphertext (as `pulumi config set --secret`).
    base = _planned_export(tmp_path, "a.json", _stack_file(tmp_path, "a.yaml", razorpayKeySecret="v1:AAAA"))
    head = _planned_export(tmp_path, "b.json", _stack_file(tmp_path, "b.yaml", razorpayKeySecret="v1:BBBB"))
    code, out = run(capsys, "--json", base, head)
    assert code == 1
    changed = [(r["name"], r["secrets"]) for g in json.loads(out)["components"] for r in g["resources"]]
    assert changed == [("lightspeedpay-api-env-razorpay-key-secret-production", {"changed": ["value"]})]
    assert "v1:AAAA" not in base.read_text() and "offline-placeholder" not in base.read_text()
    assert run(capsys, base, base)[0] == 0


def test_an_esc_reference_is_compared_by_name(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    same_a = _planned_export(tmp_path, "a.json", _stack_file(tmp_path, "a.yaml", "lightspeedpay/production"))
    same_b = _planned_export(tmp_path, "b.json", _stack_file(tmp_path, "b.yaml", "lightspeedpay/production"))
    moved = _planned_export(tmp_path, "c.json", _stack_file(tmp_path, "c.yaml", "lightspeedpay/production-v2"))
    assert run(capsys, same_a, same_b)[0] == 0
    code, out = run(capsys, "--json", same_a, moved)
    assert code == 1
    secrets = [r["secrets"] for g in json.loads(out)["components"] for r in g["resources"]]
    assert secrets and all(set(s) == {"changed"} for s in secrets)
    assert len(secrets) >= 20  # every resource holding a secret that comes from the ESC environment


def test_ops_plan_export_fingerprints_every_secret(production_export: Path) -> None:
    text = production_export.read_text()
    envelopes: list[dict[str, Any]] = []
    for entry in json.loads(text)["deployment"]["resources"]:
        map_secrets(entry.get("inputs", {}), envelopes.append)
    assert len(envelopes) > 40
    assert all(e.get("fingerprint", "").startswith("sha256:") and "value" not in e for e in envelopes)
    assert "offline-placeholder" not in text and "offline-random" not in text


# --- the replace table agrees with the providers ------------------------------------------------------


def _plain(value: Any) -> Any:
    return map_secrets(value, lambda envelope: envelope.get("value"))


def test_replace_keys_agree_with_every_dynamic_providers_own_diff() -> None:
    """For each dynamic resource the plan declares, the provider the engine would load (its pickled
    `__provider`) is asked to diff a change of every string input: it replaces exactly for the keys
    `replace_keys` names. This is what keeps the table honest when the providers change."""
    dynamic = [r for r in plan("production").resources if r.type.startswith("pulumi-python:dynamic/")]
    assert {r.type for r in dynamic} >= {"pulumi-python:dynamic/railway:Redis",
                                         "pulumi-python:dynamic/supabase:Project"}
    checked = 0
    for planned in dynamic:
        keys = replace_keys(planned.type)
        assert keys is not None, f"{planned.type}: no replace keys known to ops.diff"
        provider = dill.loads(base64.b64decode(_plain(planned.inputs["__provider"])))
        olds = {k: v for k, v in _plain(planned.outputs).items() if k != "__provider"}
        news = {k: v for k, v in _plain(planned.inputs).items() if k != "__provider"}
        candidates = {k for k, v in news.items() if isinstance(v, str)}
        candidates |= {k for k in keys if isinstance(olds.get(k), str)}
        assert keys <= candidates, f"{planned.type}: replace keys {sorted(keys - candidates)} not in the plan"
        for key in sorted(candidates):
            changed = {**news, key: f"{news.get(key, olds.get(key))}-changed"}
            result = provider.diff("offline-id", olds, changed)
            assert bool(result.replaces) == (key in keys), (planned.type, key, result.replaces)
            checked += 1
    assert checked > 40
    assert replace_keys("vercel:index/project:Project") is None
