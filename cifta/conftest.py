"""Suite-wide test settings."""

from hypothesis import HealthCheck, settings

# The machines that run the suite are shared and noisy: judge properties, not speed.
settings.register_profile("cifta", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("cifta")


def _allow_truncate_between_tests(sender, connection, **kwargs):
    # Transactional tests empty tables with TRUNCATE; the audit tables refuse it unless asked.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET cifta.allow_audit_truncate = 'on'")


from django.db.backends.signals import connection_created  # noqa: E402

connection_created.connect(_allow_truncate_between_tests)


import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _fresh_serial_statistics():
    # The serial search keeps a sample of each register per process; tests rebuild registers.
    from cifta.registry.serial_probes import forget_samples

    forget_samples()


@pytest.fixture(autouse=True)
def _fresh_throttle_counters():
    # Public pages count calls per address and minute in the cache; each test starts at zero.
    from django.core.cache import cache

    cache.clear()
