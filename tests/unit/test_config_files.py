"""Settings read from files (NAME_FILE: a Kubernetes Secret mounted as a volume) and the broker
and store URIs composed from them (plumbing.config; docs/configuration.md)."""
import pytest
from pymongo.uri_parser import parse_uri

from plumbing.config import ConfigError, amqp_uri, env_int, env_str, mongo_uri


@pytest.fixture
def clean(monkeypatch):
    for name in ("AMQP_URI", "AMQP_USERNAME", "AMQP_PASSWORD", "MONGO_URI", "MONGO_OPTIONS",
                 "JWT_SECRET"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name + "_FILE", raising=False)
    return monkeypatch


def secret(tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return str(path)


def test_a_file_gives_the_value_without_its_trailing_newline(clean, tmp_path):
    clean.setenv("JWT_SECRET_FILE", secret(tmp_path, "JWT_SECRET", "s3cret\n"))
    assert env_str("JWT_SECRET", None) == "s3cret"
    clean.setenv("JWT_SECRET_FILE", secret(tmp_path, "JWT_SECRET", "s3cret"))
    assert env_str("JWT_SECRET", None) == "s3cret"
    clean.setenv("JWT_SECRET_FILE", secret(tmp_path, "JWT_SECRET", "s3cret\r\n"))
    assert env_str("JWT_SECRET", None) == "s3cret"


def test_only_one_newline_goes_and_inner_lines_stay(clean, tmp_path):
    pem = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n\n"
    clean.setenv("JWT_SECRET_FILE", secret(tmp_path, "key", pem))
    assert env_str("JWT_SECRET", None) == pem[:-1]


def test_every_reader_goes_through_the_file(clean, tmp_path):
    clean.setenv("MONGO_TIMEOUT_MS_FILE", secret(tmp_path, "t", "1234\n"))
    clean.delenv("MONGO_TIMEOUT_MS", raising=False)
    assert env_int("MONGO_TIMEOUT_MS", 5000) == 1234


def test_both_the_variable_and_its_file_is_an_error(clean, tmp_path):
    clean.setenv("JWT_SECRET", "inline")
    clean.setenv("JWT_SECRET_FILE", secret(tmp_path, "JWT_SECRET", "from-file"))
    with pytest.raises(ConfigError, match="JWT_SECRET and JWT_SECRET_FILE"):
        env_str("JWT_SECRET", None)


def test_a_file_that_is_not_there_leaves_the_setting_unset(clean, tmp_path):
    # an optional key of a mounted Secret (SMTP_URL when e-mail is a log sink)
    clean.setenv("JWT_SECRET_FILE", str(tmp_path / "absent"))
    assert env_str("JWT_SECRET", "default") == "default"


def test_a_file_that_cannot_be_read_is_an_error(clean, tmp_path):
    clean.setenv("JWT_SECRET_FILE", str(tmp_path))   # a directory
    with pytest.raises(ConfigError, match="JWT_SECRET_FILE"):
        env_str("JWT_SECRET", None)


def test_amqp_uri_takes_the_credentials_from_files(clean, tmp_path):
    clean.setenv("AMQP_URI", "amqp://rabbitmq:5672/")
    clean.setenv("AMQP_USERNAME_FILE", secret(tmp_path, "username", "default_user_x\n"))
    clean.setenv("AMQP_PASSWORD_FILE", secret(tmp_path, "password", "p@ss:w/rd%"))
    assert amqp_uri() == "amqp://default_user_x:p%40ss%3Aw%2Frd%25@rabbitmq:5672/"


def test_amqp_credentials_go_into_every_node_of_a_failover_list(clean):
    clean.setenv("AMQP_URI", "amqp://a:5672/;amqp://b:5673/vhost")
    clean.setenv("AMQP_USERNAME", "u")
    clean.setenv("AMQP_PASSWORD", "p")
    assert amqp_uri() == "amqp://u:p@a:5672/;amqp://u:p@b:5673/vhost"


def test_amqp_uri_alone_is_kept_as_it_is(clean):
    assert amqp_uri() == "amqp://guest:guest@127.0.0.1:5672/"
    clean.setenv("AMQP_URI", "amqp://x:y@h:5672/")
    assert amqp_uri() == "amqp://x:y@h:5672/"


@pytest.mark.parametrize("env", [
    {"AMQP_URI": "amqp://x:y@h:5672/", "AMQP_USERNAME": "u", "AMQP_PASSWORD": "p"},
    {"AMQP_URI": "amqp://h:5672/", "AMQP_USERNAME": "u"},
    {"AMQP_URI": "amqp://h:5672/", "AMQP_PASSWORD": "p"},
])
def test_ambiguous_or_half_amqp_credentials_are_errors(clean, env):
    for name, value in env.items():
        clean.setenv(name, value)
    with pytest.raises(ConfigError):
        amqp_uri()


OPTIONS = "w=majority&journal=true&readPreference=primary"


@pytest.mark.parametrize("uri,expected", [
    # the community operator's connectionString.standard always has its "?"
    ("mongodb://fangxin:pw@m-0.m-svc:27017,m-1.m-svc:27017/admin?replicaSet=m&ssl=false",
     "mongodb://fangxin:pw@m-0.m-svc:27017,m-1.m-svc:27017/admin?replicaSet=m&ssl=false&"
     + OPTIONS),
    ("mongodb://127.0.0.1:27117/", "mongodb://127.0.0.1:27117/?" + OPTIONS),
    ("mongodb://127.0.0.1:27117", "mongodb://127.0.0.1:27117/?" + OPTIONS),
    ("mongodb://h/db?", "mongodb://h/db?" + OPTIONS),
])
def test_mongo_options_are_appended_to_the_uri(clean, uri, expected):
    clean.setenv("MONGO_URI", uri)
    clean.setenv("MONGO_OPTIONS", OPTIONS)
    assert mongo_uri() == expected
    parsed = parse_uri(expected)
    assert parsed["options"]["w"] == "majority"


def test_mongo_uri_from_a_file_and_no_options(clean, tmp_path):
    clean.setenv("MONGO_URI_FILE", secret(tmp_path, "uri", "mongodb://h:27017/admin?ssl=false"))
    assert mongo_uri() == "mongodb://h:27017/admin?ssl=false"
    clean.delenv("MONGO_URI_FILE")
    assert mongo_uri() == "mongodb://127.0.0.1:27117/"
