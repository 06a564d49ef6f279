"""LightSpeedPay infrastructure: load the stack's config, build it from components, export outputs."""

import pulumi

from components.stack import build_stack
from config import load_esc_environments, load_stack_config, load_stack_secrets

# A bad stack file stops here, before any resource is declared (ConfigError is a pulumi.RunError,
# so the CLI prints the message without a traceback): invalid settings, another stack's ESC
# environment, a gateway key of the wrong mode.
stack_config = load_stack_config()
esc_environments = load_esc_environments()
stack_secrets = load_stack_secrets(stack_config)

for name, value in build_stack(stack_config, stack_secrets, esc_environments).items():
    pulumi.export(name, value)
