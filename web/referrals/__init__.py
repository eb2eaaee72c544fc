"""The referral loop's pages and JSON API: thin routes over referrals/ (parse, one use case, render)."""
