"""kit.toml: start order, validation and each instance's environment."""

import stat
from pathlib import Path

import pytest

from govkit.stack import Manifest, Stack, StackError

REPOSITORY = Path(__file__).resolve().parents[3]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "kit.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_kits_manifest_starts_trust_before_everything_else() -> None:
    manifest = Manifest.load(REPOSITORY / "kit.toml")
    stages = manifest.stages()
    assert [s.instance for s in stages[0]] == ["trust"]
    instances = {s.instance for s in manifest.services}
    assert {"portal", "idp", "central", "residence", "childcare", "company", "pension"} <= instances
    ports = [s.port for s in manifest.services]
    assert len(ports) == len(set(ports)), "two services share a port"


def test_stages_follow_the_after_relation(tmp_path: Path) -> None:
    manifest = Manifest.load(
        write(
            tmp_path,
            """
[services.c]
port = 3
after = ["b"]
[services.b]
port = 2
after = ["a"]
[services.a]
port = 1
""",
        )
    )
    assert [[s.instance for s in stage] for stage in manifest.stages()] == [["a"], ["b"], ["c"]]


def test_a_cycle_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path, '[services.a]\nport=1\nafter=["b"]\n[services.b]\nport=2\nafter=["a"]\n')
    with pytest.raises(StackError, match="circular"):
        Manifest.load(path)


def test_broken_toml_and_a_missing_file_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(StackError, match="not valid TOML"):
        Manifest.load(write(tmp_path, "[services.a\n"))
    with pytest.raises(StackError, match="no kit manifest"):
        Manifest.load(tmp_path / "absent.toml")


def test_selecting_unknown_services_names_them(tmp_path: Path) -> None:
    manifest = Manifest.load(REPOSITORY / "kit.toml")
    with pytest.raises(StackError, match="nowhere"):
        manifest.select(["portal", "nowhere"])
    assert [s.instance for s in manifest.select(["portal"]).services] == ["portal"]


def test_each_instance_gets_its_own_folder_secret_and_urls(tmp_path: Path) -> None:
    manifest = Manifest.load(REPOSITORY / "kit.toml")
    stack = Stack(manifest, tmp_path / "var", free_ports=True, environ={})
    portal = next(s for s in manifest.services if s.instance == "portal")
    env = stack.environment_for(portal)
    assert env["PORTAL_DATA_DIR"] == str(tmp_path / "var" / "portal")
    assert env["PORTAL_PUBLIC_URL"] == stack.url("portal")
    assert env["KIT_IDP_URL"] == stack.url("idp")
    assert env["KIT_ENVIRONMENT"] == "production"
    secret_file = tmp_path / "var" / "portal" / "secret_key"
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    # Later runs reuse the same secret.
    assert stack.environment_for(portal)["PORTAL_SECRET_KEY"] == env["PORTAL_SECRET_KEY"]
    assert len(env["PORTAL_SECRET_KEY"]) >= 32


def test_security_servers_never_share_one_database(tmp_path: Path) -> None:
    manifest = Manifest.load(REPOSITORY / "kit.toml")
    environ = {
        "SECURITYSERVER_DATABASE_URL": "postgresql+psycopg://x/shared",
        "SS_DA_DATABASE_URL": "postgresql+psycopg://x/ss_da",
    }
    stack = Stack(manifest, tmp_path / "var", free_ports=True, environ=environ)
    specs = {s.instance: s for s in manifest.services}
    assert stack.environment_for(specs["ss-da"])["SECURITYSERVER_DATABASE_URL"].endswith("/ss_da")
    other = stack.environment_for(specs["ss-jps"])
    assert "SECURITYSERVER_DATABASE_URL" not in other
    assert other["SECURITYSERVER_MEMBER"] == "GOV/JPS"


def test_a_services_own_database_url_passes_through(tmp_path: Path) -> None:
    manifest = Manifest.load(REPOSITORY / "kit.toml")
    url = "postgresql+psycopg://x/residence"
    stack = Stack(
        manifest, tmp_path / "var", free_ports=True, environ={"RESIDENCE_DATABASE_URL": url}
    )
    residence = next(s for s in manifest.services if s.instance == "residence")
    assert stack.environment_for(residence)["RESIDENCE_DATABASE_URL"] == url


def test_a_security_server_hosts_every_client_that_names_it_even_in_a_selection(
    tmp_path: Path,
) -> None:
    manifest = Manifest.load(REPOSITORY / "kit.toml")
    assert manifest.hosted_clients["ss-lg139998"] == (
        "JP-KIT/GOV/LG-139998/residence",
        "JP-KIT/GOV/LG-139998/childcare",
    )
    chosen = manifest.select(["ss-lg139998", "ss-da", "trust"])  # no residence, no childcare
    stack = Stack(chosen, tmp_path / "var", free_ports=True, environ={})
    specs = {s.instance: s for s in chosen.services}
    assert stack.environment_for(specs["ss-lg139998"])["SECURITYSERVER_HOSTED_CLIENTS"] == (
        "JP-KIT/GOV/LG-139998/residence,JP-KIT/GOV/LG-139998/childcare"
    )
    assert stack.environment_for(specs["ss-da"])["SECURITYSERVER_HOSTED_CLIENTS"] == (
        "JP-KIT/GOV/DA/portal"
    )
    assert "TRUST_HOSTED_CLIENTS" not in stack.environment_for(specs["trust"])


def test_each_process_gets_only_the_kit_secrets_it_uses(tmp_path: Path) -> None:
    manifest = Manifest.load(REPOSITORY / "kit.toml")
    leaked = {"KIT_EXCHANGE_PSEUDONYM_KEY": "exported-in-the-shell-" + "x" * 30}
    stack = Stack(manifest, tmp_path / "var", free_ports=True, environ=leaked)
    specs = {s.instance: s for s in manifest.services}

    def secrets(instance: str) -> set[str]:
        return {
            name
            for name in stack.environment_for(specs[instance])
            if name in {"KIT_TRUST_RA_TOKEN", "KIT_IDP_REGISTRATION_TOKEN",
                        "KIT_EXCHANGE_REGISTRATION_TOKEN", "KIT_EXCHANGE_PSEUDONYM_KEY"}
        }  # fmt: skip

    assert secrets("trust") == {"KIT_TRUST_RA_TOKEN"}
    assert secrets("central") == {"KIT_EXCHANGE_REGISTRATION_TOKEN"}
    assert secrets("ss-da") == {"KIT_TRUST_RA_TOKEN", "KIT_EXCHANGE_REGISTRATION_TOKEN"}
    assert secrets("portal") == {"KIT_TRUST_RA_TOKEN", "KIT_IDP_REGISTRATION_TOKEN"}
    assert secrets("pension") == {"KIT_IDP_REGISTRATION_TOKEN"}
    assert secrets("residence") == {
        "KIT_TRUST_RA_TOKEN",
        "KIT_IDP_REGISTRATION_TOKEN",
        "KIT_EXCHANGE_PSEUDONYM_KEY",
    }
    # the same secret for every process that uses it, and the caller's own value kept
    residence = stack.environment_for(specs["residence"])
    assert residence["KIT_EXCHANGE_PSEUDONYM_KEY"] == leaked["KIT_EXCHANGE_PSEUDONYM_KEY"]
    idp = stack.environment_for(specs["idp"])
    assert idp["KIT_TRUST_RA_TOKEN"] == residence["KIT_TRUST_RA_TOKEN"]
    token_file = tmp_path / "var" / "kit" / "trust_ra_token"
    assert idp["KIT_TRUST_RA_TOKEN"] == token_file.read_text(encoding="utf-8").strip()


def test_a_security_server_and_the_services_behind_it_share_one_token(tmp_path: Path) -> None:
    manifest = Manifest.load(REPOSITORY / "kit.toml")
    stack = Stack(manifest, tmp_path / "var", free_ports=True, environ={})
    specs = {s.instance: s for s in manifest.services}
    lg = stack.environment_for(specs["ss-lg139998"])["SECURITYSERVER_INFORMATION_SYSTEM_TOKEN"]
    assert stack.environment_for(specs["residence"])["RESIDENCE_SECURITY_SERVER_TOKEN"] == lg
    assert stack.environment_for(specs["childcare"])["CHILDCARE_SECURITY_SERVER_TOKEN"] == lg
    da = stack.environment_for(specs["ss-da"])["SECURITYSERVER_INFORMATION_SYSTEM_TOKEN"]
    assert stack.environment_for(specs["portal"])["PORTAL_SECURITY_SERVER_TOKEN"] == da != lg
    assert len(lg) >= 32
    token_file = tmp_path / "var" / "ss-lg139998" / "information_system_token"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert "IDP_SECURITY_SERVER_TOKEN" not in stack.environment_for(specs["idp"])
