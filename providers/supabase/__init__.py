"""Supabase Management API dynamic provider: the production database as Pulumi resources.

Resources (types `pulumi-python:dynamic/supabase:<Kind>`) live beside their providers and are
gathered in `resources`; all of them stand on `providers.dynamic`. Nothing in this package has
import-time side effects: the provider host imports it by reference in a fresh process (see
docs/supabase.md).
"""

from .resources import *  # noqa: F403
from .resources import __all__ as __all__
