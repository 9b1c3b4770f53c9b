"""The client address behind the compose proxy (amo_portal.proxy): X-Forwarded-For is read only from a
trusted proxy, and then only its right-most hops that no trusted proxy wrote are believed."""
import pytest
import yaml
from django.conf import settings as django_settings

from amo_portal.proxy import forwarded_client

PROXIES = ["172.31.250.10", "10.20.0.0/16"]


@pytest.mark.parametrize(("remote", "header", "expected"), [
    ("203.0.113.9", "198.51.100.1", "203.0.113.9"),  # not a proxy: the header is the client's own words
    ("172.31.250.10", "198.51.100.1", "198.51.100.1"),  # the proxy vouches for its peer
    ("172.31.250.10", "1.2.3.4, 198.51.100.1", "198.51.100.1"),  # a forged left part is ignored
    ("172.31.250.10", "198.51.100.1, 10.20.3.4", "198.51.100.1"),  # two trusted hops
    ("172.31.250.10", "", "172.31.250.10"),
    ("172.31.250.10", "n'importe quoi", "172.31.250.10"),  # garbled: the proxy's own address
    ("172.31.250.10", "198.51.100.1, pas-une-adresse", "172.31.250.10"),
    ("172.31.250.10", " 2001:db8::7 ", "2001:db8::7"),
    ("", "198.51.100.1", ""),
])
def test_the_client_address_is_the_nearest_hop_no_trusted_proxy_wrote(remote, header, expected):
    assert forwarded_client(remote, header, PROXIES) == expected


def test_no_trusted_proxy_by_default_so_the_header_is_never_read():
    assert django_settings.TRUSTED_PROXIES == []
    assert django_settings.REST_FRAMEWORK["NUM_PROXIES"] == 0


def test_compose_puts_the_proxy_in_front_and_trusts_only_its_address():
    # given
    compose = yaml.safe_load((django_settings.BASE_DIR / "docker-compose.yml").read_text())
    services = compose["services"]
    nginx = (django_settings.BASE_DIR / "deploy" / "nginx.conf").read_text()
    # then: only the proxy is published; the app trusts exactly its fixed address
    assert "ports" not in services["web"]
    assert sorted(services["proxy"]["ports"]) == ["443:443", "80:80"]
    proxy_address = services["proxy"]["networks"]["default"]["ipv4_address"]
    assert compose["x-app"]["environment"]["DJANGO_TRUSTED_PROXIES"] == proxy_address
    # and the proxy replaces the header instead of appending to what the client sent
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in nginx
    assert "$proxy_add_x_forwarded_for" not in nginx
