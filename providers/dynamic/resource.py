"""The resource side of the base: one Args pattern, typed outputs, secret outputs, `get` by id.

A kind's resource is ``class X(DynamicResource, module="<vendor>", name="<Kind>")`` with
``provider_class`` set, an ``Args`` frozen dataclass (`Args`: Python names, one docstring per
field) and `Out` descriptors for its outputs. The Args become the resource's properties under the
vendor's wire names (Railway's kinds are camelCase, Supabase's snake_case: the names existing
state holds), secrets wrapped with `pulumi.Output.secret`, outputs seeded with None (the SDK only
exposes properties it was given).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Generic, TypeVar, cast

import pulumi
from pulumi.dynamic import Resource

from .provider import ADOPT_ID, RESET_SECRETS, UNWRITTEN, DynamicProvider

T = TypeVar("T")
R = TypeVar("R", bound="DynamicResource")


SECRET: Mapping[str, Any] = {"secret": True}
"""``field(metadata=SECRET)``: an Args field holding a credential (or a map of them), secret in the
engine and in state (listed in ``additional_secret_outputs``)."""


@dataclasses.dataclass(frozen=True)
class Args:
    """Base of every kind's Args. Two fields every kind has:"""

    adopt_id: str | None = dataclasses.field(default=None, kw_only=True)
    """Bring this existing object under management instead of creating one (checked against the
    declaration first). The id formats are in docs/railway.md and docs/supabase.md."""
    reset_secrets_on_adopt: bool | None = dataclasses.field(default=None, kw_only=True)
    """On adoption, also write the values that can never be read back (passwords, sealed
    variables, tokens). Off by default: an adoption leaves them as they are and lists them in the
    resource's ``unwritten`` output."""

    def props(self, wire: Any) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for field in dataclasses.fields(self):
            value = _plain(getattr(self, field.name))
            if field.metadata.get("secret") and isinstance(value, dict):
                value = {k: pulumi.Output.secret(v) for k, v in value.items()}  # each credential on its own
            elif field.metadata.get("secret") and value is not None:
                value = pulumi.Output.secret(value)
            values[wire(field.name)] = value
        return values


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [_plain(v) for v in value]
    return value


class Out(Generic[T]):
    """A typed output, read from the property the SDK set under its wire name."""

    def __init__(self, wire: str) -> None:
        self.wire = wire

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, owner: type | None = None) -> pulumi.Output[T]:
        if obj is None:
            return cast(pulumi.Output[T], self)
        return cast(pulumi.Output[T], obj.__dict__[self.wire])


class DynamicResource(Resource):
    provider_class: ClassVar[type[DynamicProvider]]
    args_class: ClassVar[type[Args]]

    unwritten = Out[list[str]](UNWRITTEN)
    """Values an adoption left as they were (never readable, so not written unless asked)."""

    def __init__(self, name: str, args: Args, opts: pulumi.ResourceOptions | None = None) -> None:
        provider = self.provider_class()
        if not isinstance(args, self.args_class):
            raise TypeError(f"{type(self).__name__} takes {self.args_class.__name__}, got {type(args).__name__}")
        props = {**dict.fromkeys(self.output_names()), **args.props(provider.vendor.wire)}
        super().__init__(provider, name, props, type(self)._options(provider, opts))

    @classmethod
    def get(cls: type[R], name: str, id: pulumi.Input[str], opts: pulumi.ResourceOptions | None = None) -> R:
        """An existing object, read by its id alone (see the id formats in the docs); not managed."""
        resource = cls.__new__(cls)
        provider = cls.provider_class()
        fields = [provider.vendor.wire(f.name) for f in dataclasses.fields(cls.args_class)]
        props = dict.fromkeys([*fields, *cls.output_names()])
        options = pulumi.ResourceOptions.merge(cls._options(provider, opts), pulumi.ResourceOptions(id=id))
        Resource.__init__(resource, provider, name, props, options)
        return resource

    @classmethod
    def output_names(cls) -> list[str]:
        names: list[str] = []
        for klass in reversed(cls.__mro__):
            names += [v.wire for v in vars(klass).values() if isinstance(v, Out) and v.wire not in names]
        return names

    @classmethod
    def secret_outputs(cls, provider: DynamicProvider) -> list[str]:
        """Secret inputs (the host re-marks only outputs named like one) and secret outputs."""
        inputs = [provider.vendor.wire(f.name) for f in dataclasses.fields(cls.args_class) if f.metadata.get("secret")]
        return sorted({*inputs, *provider.secret_outputs})

    @classmethod
    def _options(cls, provider: DynamicProvider, opts: pulumi.ResourceOptions | None) -> pulumi.ResourceOptions:
        secrets = cls.secret_outputs(provider)
        if not secrets:
            return opts or pulumi.ResourceOptions()
        return pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=secrets))


__all__ = ["ADOPT_ID", "RESET_SECRETS", "SECRET", "Args", "DynamicResource", "Out"]
