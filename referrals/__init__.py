"""Referrals: welfare and exercise referrals, consent, provider inbox, attendance, audit."""
