"""The municipal follow-up dashboard, its CSV and XLSX exports and GET /api/v1/followup (issue 17)."""
