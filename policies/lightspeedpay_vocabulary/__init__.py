"""What the program (config/) and the policy pack must agree on, kept in one place for both.

Standard library only, and nothing from the pack or the SDKs: the pack imports these modules from
its own venv (which sees only policies/), and the program imports them through config/vocabulary.py
without loading a single policy. Add a module here when a vocabulary or a threshold is needed on
both sides; never copy one into config/ or lightspeedpay_policies/.
"""
