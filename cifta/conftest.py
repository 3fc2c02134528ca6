"""Suite-wide test settings."""

from hypothesis import HealthCheck, settings

# The machines that run the suite are shared and noisy: judge properties, not speed.
settings.register_profile("cifta", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("cifta")
