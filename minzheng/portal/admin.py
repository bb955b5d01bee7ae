"""Resident accounts are not in the admin: they are created by SMS sign-in and bound by
the resident through portal.services; the admin is for master data (core.admin)."""
