"""The ``histdiag`` TensorBoard plugin: thin HTTP routes over ``diagnosis``.

Routes and JSON shapes are documented in ``http_api.md`` beside this file.
Every failure a request can cause is answered as JSON ``{"error": ...}`` with a
4xx status naming the parameter or value; the plugin never lets an exception
escape to TensorBoard's HTML error page.
"""

import json
import logging
import os
import re

from werkzeug import wrappers

from tensorboard import errors as tb_errors
from tensorboard import plugin_util
from tensorboard.backend import http_util
from tensorboard.plugins import base_plugin

from tb_histdiag_plugin import diagnoser, diagnosis, reading, remote, rules

PLUGIN_NAME = "histdiag"
_STATIC_DIR = os.path.join(os.path.dirname(__file__), "static")
_MAX_PARAM_LENGTH = 4096
_STEP_RE = re.compile(r"^-?\d{1,18}$")
_JSON = "application/json"
logger = logging.getLogger(__name__)


class BadRequest(ValueError):
    """A missing or malformed parameter (a 400)."""


def _error(request, status, message):
    return http_util.Respond(request, json.dumps({"error": message}), _JSON, code=status)


def _json_route(handler):
    """Run a route handler, turning every known failure into a 4xx JSON error."""

    @wrappers.Request.application
    def route(self, request):
        try:
            return handler(self, request)
        except BadRequest as e:
            return _error(request, 400, str(e))
        except rules.SettingError as e:
            return _error(request, 400, str(e))
        except (diagnosis.NotFound, tb_errors.NotFoundError) as e:
            return _error(request, 404, str(e))
        except tb_errors.InvalidArgumentError as e:
            return _error(request, 400, str(e))
        except Exception as e:  # a bug of ours: say so as JSON, keep serving
            logger.exception("histdiag: %s failed", request.path)
            return _error(request, 500, "internal error: %s" % type(e).__name__)

    route.__name__ = handler.__name__
    return route


def _param(request, name):
    values = request.args.getlist(name)
    if not values or values[0] == "":
        raise BadRequest("missing parameter %r" % name)
    if len(values) > 1:
        raise BadRequest("parameter %r given %d times" % (name, len(values)))
    value = values[0]
    if len(value) > _MAX_PARAM_LENGTH:
        raise BadRequest("parameter %r is too long (%d characters, at most %d)" % (name, len(value), _MAX_PARAM_LENGTH))
    return value


_RANGE_PARAMS = ("start_step", "end_step")


def _step(text, name):
    if not _STEP_RE.match(text):
        raise BadRequest("parameter %r must be an integer, got %r" % (name, text[:100]))
    return int(text)


def _step_param(request, name):
    """An optional integer step parameter (None when absent)."""
    if name not in request.args:
        return None
    return _step(_param(request, name), name)


def _request_args(request):
    return plugin_util.context(request.environ), plugin_util.experiment_id(request.environ)


class HistDiagPlugin(base_plugin.TBPlugin):
    """Per-layer statistics and gradient-health markers from histogram summaries."""

    plugin_name = PLUGIN_NAME

    def __init__(self, context):
        flags = context.flags
        cache_mb = getattr(flags, "histdiag_cache_mb", None)
        jobs = getattr(flags, "histdiag_jobs", 0)  # 0 or None: one thread per core
        self._logdir = getattr(context, "logdir", None) or ""
        self._diagnoser = diagnoser.Diagnoser(
            context.data_provider,
            cache_mb=diagnoser.DEFAULT_CACHE_MB if cache_mb is None else cache_mb,
            jobs=jobs or None,
            processes=bool(getattr(flags, "histdiag_processes", 1)),
        ) if context.data_provider else None

    def get_plugin_apps(self):
        return {
            "/index.js": self._serve_js,
            "/runs": self._serve_runs,
            "/diagnostics": self._serve_diagnostics,
            "/histogram": self._serve_histogram,
            "/settings": self._serve_settings,
        }

    def is_active(self):
        # TensorBoard enables the tab when the data provider lists histogram
        # data (data_plugin_names); no work here, it gets no request context.
        return False

    def data_plugin_names(self):
        return (reading.HISTOGRAM_PLUGIN,)

    def frontend_metadata(self):
        # TensorBoard's reload button does nothing to an iframe tab; the tab
        # has its own Reload button and polls for new steps.
        return base_plugin.FrontendMetadata(es_module_path="/index.js", tab_name="histdiag",
                                            disable_reload=True)

    @wrappers.Request.application
    def _serve_js(self, request):
        if self._diagnoser is not None:  # the tab is opening: start the worker processes, if any
            self._diagnoser.warm_up()
        path = os.path.join(_STATIC_DIR, "index.js")
        try:
            with open(path, "rb") as f:
                body = f.read()
        except OSError:
            return _error(request, 404, "the frontend bundle is missing from the package (index.js)")
        return http_util.Respond(request, body, "text/javascript")

    def _require_provider(self):
        if self._diagnoser is None:
            raise diagnosis.NotFound("TensorBoard gave this plugin no data provider")

    @_json_route
    def _serve_runs(self, request):
        self._require_provider()
        ctx, eid = _request_args(request)
        self._diagnoser.warm_up()
        body = {"runs": self._diagnoser.runs(ctx, eid)}
        if not body["runs"] and remote.is_url(self._logdir):
            # TensorBoard's loader only logs a storage error (a missing bucket, bad keys): say it in the tab.
            try:
                remote.check_dir(self._logdir)
            except Exception as e:  # remote.RemoteError, or the storage client's own
                body["error"] = " ".join(str(e).split())[:500]
        return http_util.Respond(request, json.dumps(body), _JSON)

    @_json_route
    def _serve_diagnostics(self, request):
        self._require_provider()
        run = _param(request, "run")
        window = [_step_param(request, name) for name in _RANGE_PARAMS]
        if None not in window and window[0] > window[1]:
            raise BadRequest("start_step %d is after end_step %d" % tuple(window))
        overrides = {}
        for name in request.args:
            if name != "run" and name not in _RANGE_PARAMS:
                overrides[name] = _param(request, name)
        settings = rules.parse_settings(overrides)
        ctx, eid = _request_args(request)
        analysis = self._diagnoser.analysis(ctx, eid, run)
        if "gzip" in request.headers.get("Accept-Encoding", ""):
            # Cached compressed for the default document: a warm request
            # costs no serialisation and no compression.
            body = analysis.document_gzip(settings, *window)
            return http_util.Respond(request, body, _JSON, content_encoding="gzip")
        return http_util.Respond(request, analysis.document_json(settings, *window), _JSON)

    @_json_route
    def _serve_histogram(self, request):
        self._require_provider()
        run, tag, step_text = _param(request, "run"), _param(request, "tag"), _param(request, "step")
        step = _step(step_text, "step")
        ctx, eid = _request_args(request)
        series = self._diagnoser.series(ctx, eid, run, tag)
        i = series.step_index(step)
        if i is None:
            raise diagnosis.NotFound("tag %r of run %r has no step %d" % (tag, run, step))
        rows = series.bucket_rows(i)  # no rows for an empty or non-finite step
        body = {
            "run": run,
            "tag": tag,
            "step": step,
            "wall_time": float(series.wall_times[i]),
            "non_finite": bool(series.non_finite[i]),
            "buckets": rows.tolist(),
        }
        return http_util.Respond(request, json.dumps(body), _JSON)

    @_json_route
    def _serve_settings(self, request):
        body = {"settings": [
            {"name": s.name, "default": s.default, "min": s.low, "max": s.high,
             "description": s.description, "source": s.source}
            for s in rules.SETTINGS
        ]}
        return http_util.Respond(request, json.dumps(body), _JSON)
