"""The catalogue as open data: Open Referral HSDS 3.0 records (pure mapping), their loading and the
tabular (CSV datapackage) export. Used by web/hsds (the API) and by the CLI; imports only app."""
