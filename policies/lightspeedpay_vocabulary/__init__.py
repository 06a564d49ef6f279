"""What the program (config/, components/, ops/) and the policy pack must agree on, in one place for both.

- `placeholders`: the repository's example values (documentation networks, `PLACEHOLDER-…` and
  all-zero ids) and the one walk that finds them;
- `thresholds`: every threshold and vocabulary both sides judge by (the guide's values, caps,
  regions, key prefixes, ESC naming);
- `scrubbing`: the payment-data classes error reports must be scrubbed of, and how a Sentry
  ``relayPiiConfig`` is judged to cover them;
- `facts`: the typed records components publish as their ``facts`` output and the pack reads.

Standard library only, and nothing from the pack or the SDKs: the pack imports these modules from
its own venv (which sees only policies/), and the program imports them through config/vocabulary.py
without loading a single policy. Add a module here when a vocabulary or a threshold is needed on
both sides; never copy one into config/ or lightspeedpay_policies/.
"""
