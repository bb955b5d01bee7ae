"""The registry is not in the admin.

Persons, households and organisations are kept on the workbench pages (staff/persons/,
staff/households/, staff/organisations/), which go through the services (validation,
encryption, duplicate checks, the log) and the reveal log. The admin is for master data
(core.admin), and registry records are the people the bureau serves, not master data.
"""
