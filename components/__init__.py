"""Components layer: LightSpeedPay's pieces, one ComponentResource per concern."""
