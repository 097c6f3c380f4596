"""The OpenTelemetry SDK set up from the standard ``OTEL_*`` variables (``otel`` extra only).

Imported only by :func:`guard.observe.tracing.tracing_from_env` once tracing is asked for.
What the SDK reads itself is left to it: ``OTEL_SERVICE_NAME`` and
``OTEL_RESOURCE_ATTRIBUTES`` (the resource; the service is ``guard`` unless named),
``OTEL_TRACES_SAMPLER`` (the sampler), ``OTEL_BSP_*`` (batching), and the exporters'
``OTEL_EXPORTER_OTLP_*`` (endpoint, headers, timeout). guard reads only which exporter:
``OTEL_TRACES_EXPORTER`` (``otlp`` by default, ``console``, or both, comma-separated) and
``OTEL_EXPORTER_OTLP[_TRACES]_PROTOCOL`` (``http/protobuf`` by default, or ``grpc``). A
provider already installed globally (under ``opentelemetry-instrument``) is used as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from guard.errors import GuardError

EXPORTER_MODULES = {"http/protobuf": "opentelemetry.exporter.otlp.proto.http.trace_exporter",
                    "grpc": "opentelemetry.exporter.otlp.proto.grpc.trace_exporter"}


def provider_from_env(env: Mapping[str, str]) -> Any:
    from opentelemetry import trace
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    current = trace.get_tracer_provider()
    if isinstance(current, TracerProvider):
        return current
    defaults = {} if env.get("OTEL_SERVICE_NAME") else {"service.name": "guard"}
    provider = TracerProvider(resource=Resource.create(defaults))
    names = env.get("OTEL_TRACES_EXPORTER", "").strip() or "otlp"
    for name in (n.strip().lower() for n in names.split(",") if n.strip()):
        provider.add_span_processor(BatchSpanProcessor(_exporter(name, env)))
    return provider


def _exporter(name: str, env: Mapping[str, str]) -> Any:
    import importlib

    if name == "console":
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        return ConsoleSpanExporter()
    if name != "otlp":
        raise GuardError(f"OTEL_TRACES_EXPORTER: unknown exporter {name!r} (otlp, console "
                         "or none)")
    protocol = (env.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
                or env.get("OTEL_EXPORTER_OTLP_PROTOCOL") or "http/protobuf").strip()
    module = EXPORTER_MODULES.get(protocol)
    if module is None:
        raise GuardError(f"OTEL_EXPORTER_OTLP_PROTOCOL: {protocol!r} is not supported "
                         "(http/protobuf or grpc)")
    try:
        exporter: Any = importlib.import_module(module).OTLPSpanExporter()
    except ImportError as exc:
        package = module.rsplit(".", 1)[0].replace(".", "-")
        raise GuardError(f"the OTLP exporter is not installed: pip install {package}") from exc
    return exporter
