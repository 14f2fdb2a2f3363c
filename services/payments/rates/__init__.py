"""The rate tables as data: `skr.csv` holds the SKR and Skatteverket defaults, one dated figure a row.

Read by `services.payments.domain.rate_table.skr_defaults()`; see README.md beside it for the sources and how to
add a year.
"""
