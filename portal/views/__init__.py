"""Every page a beneficiary sees, thin over portal.services, bilan.services and suivi.services.

- account: the invitation (the consultant's button) and activation, the home page, a bilan;
- synthesis: reading, commenting and sharing the delivered synthesis, the recipient's page;
- action_plan: their side of the action plan;
- data: their data (RGPD): requests and the export;
- followup: the follow-up pages, reached from emailed links (/suivi/lien/...) or signed in.

Every page works on the beneficiary's own rows; anything else is a 404 (another beneficiary's,
another organisation's, or a consultant who is not a beneficiary).
"""
