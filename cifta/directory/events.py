"""Audit verbs of the directory."""

COUNTRY_SYNCED = "directory.country.synced"
AGENCY_CREATED = "directory.agency.created"
AGENCY_UPDATED = "directory.agency.updated"
CONTACT_CREATED = "directory.contact.created"
CONTACT_UPDATED = "directory.contact.updated"
