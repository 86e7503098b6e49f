"""The one list of the pipeline's models: :data:`MODELS`.

Every place that names models is derived from it, and ``tests/unit/models/test_registry.py``
fails when one of them disagrees:

* the ``{model}`` wildcard of rule ``estimate`` (workflow/rules/estimate.smk) and the models a
  run estimates (``model_tables`` in workflow/rules/common.smk): :data:`ESTIMATE_WILDCARD`,
  :func:`configured`;
* the DiD tables and figures of a design (workflow/rules/designs.smk, ``did_targets``);
* the ``report.tables`` enum of the config schema (:func:`complete_schema`, applied by
  :func:`imtfp.config.load_schema`) and :data:`imtfp.report.options.TABLE_KEYS`;
* the stored inputs of every model table (:data:`imtfp.report.stage.TABLE_INPUTS`) and its
  builder (:data:`imtfp.report.builders.MODEL_TABLES`);
* the columns that get a wild cluster bootstrap p (:data:`imtfp.models.clusters.WILD_STAGES`);
* the public names of :mod:`imtfp.models` (imported lazily: :func:`exports`).

An entry holds names only ("module:attribute" strings, resolved on use), so importing the registry
costs nothing: the Snakefile reads it when the workflow loads. The model's config fragment is the
schema's ``section`` (:meth:`Model.schema`), its words are the ``labels`` keys of
``report/labels.yaml``.

Adding a model (docs/api.md, "Adding a model"): its module (estimator, result class, stage
function ``estimate_<name>(panel, spec, *, seed) -> tidy DataFrame``), its entry here, its
schema fragment (``models.<name>`` in ``schemas/config.schema.yaml``), its labels, its tests.

Examples
--------
>>> MODELS["iv"].section, MODELS["iv"].wild
('models.iv', False)
>>> "threshold" in ESTIMATE_WILDCARD.split("|")
True
>>> configured({"models": {"y": "y", "x": "x", "iv": {}}})
['baseline', 'iv']
"""

from __future__ import annotations

import copy
import functools
import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

Rule = Literal["estimate", "design"]

#: The builder of a model table with no layout of its own (:func:`imtfp.report.builders.model_table`).
GENERIC_TABLE = "imtfp.report.builders:model_table"


def resolve(path: str) -> Any:
    """The object named by ``"package.module:attribute"`` (imported on use)."""
    module, _, attribute = path.partition(":")
    return getattr(importlib.import_module(module), attribute)


@dataclass(frozen=True)
class Model:
    """One model of the pipeline: how it is run, configured, reported and exported.

    Parameters
    ----------
    name : the model's key: the ``{model}`` wildcard of rule ``estimate``, the ``table`` value
        of its tidy rows, its report table and ``models/<name>.parquet``
    stage : ``"module:function"`` of its stage. Rule ``estimate``:
        ``(panel, spec, *, seed) -> tidy DataFrame`` (:mod:`imtfp.tidy`, ``table`` = ``name``),
        ``spec`` the ``models:`` section with the schema's defaults filled in. Rule ``design``:
        ``(frame, spec, *, design, seed) -> {output: DataFrame}``
    result : ``"module:Class"`` the model's estimator returns (an
        :class:`~imtfp.results.Estimates` subclass)
    section : dotted config key whose presence switches the model on (``models.iv``); its schema
        fragment is :meth:`schema`
    module : the module of the estimator; ``exports`` are its public names (re-exported lazily by
        :mod:`imtfp.models`; ``"module:name"`` for one defined in another module)
    table : ``"module:function"`` of the table builder,
        ``(results, *, options, labels, provenance, simulated, notes) -> Table``
    wild : the columns are fixed-effects OLS fits whose core-regressor row gets a wild cluster
        bootstrap p (:func:`imtfp.models.clusters.annotate_inference`)
    always : run even without its config section (the baseline)
    labels : keys of ``report/labels.yaml`` (``section.key``) its table prints besides variable
        names: title, statistics, column words
    rule : ``estimate`` (one rule job per model and variant) or ``design`` (the DiD rules of
        workflow/rules/designs.smk, one job per design)
    tables, figures : design models: the table and figure kinds of rules ``did_table`` and
        ``did_figure``
    """

    name: str
    stage: str
    result: str
    section: str
    module: str = ""
    exports: tuple[str, ...] = ()
    table: str = GENERIC_TABLE
    wild: bool = False
    always: bool = False
    labels: tuple[str, ...] = ()
    rule: Rule = "estimate"
    tables: tuple[str, ...] = ()
    figures: tuple[str, ...] = ()

    def stage_function(self) -> Callable[..., Any]:
        return resolve(self.stage)

    def result_type(self) -> type:
        return resolve(self.result)

    def table_builder(self) -> Callable[..., Any]:
        """``(results, **format options) -> Table``; the generic builder gets the model's key."""
        builder = resolve(self.table)
        return functools.partial(builder, key=self.name) if self.table == GENERIC_TABLE else builder

    def schema(self) -> Mapping:
        """The model's fragment of the packaged config schema (at :attr:`section`)."""
        from imtfp.config import load_schema

        node: Mapping = load_schema()
        for key in self.section.split("."):
            node = node["properties"][key]
        return node

    def enabled(self, config: Mapping) -> bool:
        """Whether ``config`` (the whole config) runs the model: its section is present."""
        if self.always:
            return True
        node: object = config
        for key in self.section.split("."):
            if not isinstance(node, Mapping) or key not in node:
                return False
            node = node[key]
        return True


def _estimate(name: str, module: str, exports: tuple[str, ...], result: str, **kw) -> Model:
    """A model of ``imtfp.models.stages`` (``estimate_<name>``), switched on by ``models.<name>``;
    ``result`` is a class of ``module`` or a ``module:Class`` path."""
    return Model(
        name=name,
        stage=f"imtfp.models.stages:estimate_{name}",
        result=result if ":" in result else f"{module}:{result}",
        section=f"models.{name}",
        module=module,
        exports=exports,
        **kw,
    )


#: Every model of the pipeline, in the order of the report.
MODELS: dict[str, Model] = {
    m.name: m
    for m in (
        _estimate(
            "baseline",
            "imtfp.models.panel",
            ("PanelFit", "fit_twfe", "twfe"),
            "PanelFit",
            wild=True,
            always=True,
            labels=("titles.baseline",),
        ),
        _estimate(
            "inference",
            "imtfp.models.panel",
            ("inference_panel",),
            "imtfp.results:ResultSet",
            table="imtfp.report.builders:inference_table",
            labels=("titles.inference", "notes.wild_column", "inference.wild_bootstrap"),
        ),
        _estimate(
            "mediation",
            "imtfp.models.mediation_analysis",
            ("MediationResult", "Path", "mediation"),
            "MediationResult",
            table="imtfp.report.builders:mediation_table",
            labels=(
                "titles.mediation",
                "paths.indirect",
                "statistics.indirect_ci",
                "statistics.indirect_bc",
                "statistics.sobel_z",
                "statistics.aroian_z",
                "statistics.goodman_z",
                "statistics.proportion_mediated",
                "notes.mediation_indirect",
            ),
        ),
        _estimate(
            "heterogeneity",
            "imtfp.models.heterogeneity",
            (
                "EqualityTest",
                "ModerationResult",
                "group_equality_test",
                "moderation",
                "split_samples",
            ),
            "imtfp.results:ResultSet",
            wild=True,
            labels=(
                "titles.heterogeneity",
                "statistics.equality_F",
                "templates.moderator",
                "templates.equality",
            ),
        ),
        _estimate(
            "iv",
            "imtfp.models.iv",
            ("IVFit", "iv_2sls", "lagged_regression"),
            "IVFit",
            table="imtfp.report.builders:iv_table",
            labels=(
                "titles.iv",
                "titles.iv_lag",
                "statistics.first_stage_F",
                "statistics.kp_rk_wald_F",
                "statistics.cragg_donald_F",
                "statistics.endogeneity_test",
                "notes.no_instrument",
            ),
        ),
        _estimate(
            "threshold",
            "imtfp.models.threshold_regression",
            ("ThresholdResult", "threshold"),
            "ThresholdResult",
            table="imtfp.report.builders:threshold_table",
            labels=("titles.threshold", "notes.threshold_rejected"),
        ),
        Model(
            name="falsification",
            stage="imtfp.models.falsification:falsification_tests",
            result="imtfp.models.panel:PanelFit",
            section="models.falsification",
            module="imtfp.models.falsification",
            table="imtfp.report.builders:falsification_table",
            labels=(
                "titles.falsification",
                "statistics.ri_p",
                "statistics.ri_draws",
                "statistics.oster_beta",
                "statistics.oster_delta",
                "notes.falsification_leads",
                "notes.falsification_permutation",
                "notes.falsification_placebo",
                "notes.falsification_trends",
                "notes.falsification_oster",
            ),
        ),
        Model(
            name="sfa",
            stage="imtfp.models.frontier:estimate_sfa",
            result="imtfp.models.frontier:FrontierResult",
            section="models.sfa",
            module="imtfp.models.frontier",
            exports=("FrontierResult", "sfa"),
            table="imtfp.report.builders:sfa_table",
            labels=(
                "titles.sfa",
                "statistics.mean_efficiency",
                "statistics.log_likelihood",
                "statistics.lr_statistic",
                "statistics.lr_df",
                "variables.sigmaSq",
                "variables.gamma",
                "variables.mu",
                "variables.eta",
                "inference.oim",
                "notes.sfa_gamma",
                "notes.sfa_eta",
                "notes.sfa_z",
                "notes.sfa_uhet",
                "notes.sfa_lr",
                "notes.sfa_not_converged",
            ),
        ),
        Model(
            name="spatial",
            stage="imtfp.models.spatial.stages:estimate_spatial",
            result="imtfp.models.spatial.results:SpatialPanelResults",
            section="models.spatial",
            module="imtfp.models.spatial",
            exports=(
                "SpatialPanelResults",
                "spatial_panel",
                "imtfp.models.spatial.diagnostics:moran_panel",
                "imtfp.models.spatial.diagnostics:spatial_diagnostics",
            ),
            table="imtfp.report.builders:spatial_table",
            labels=(
                "titles.spatial",
                "variables.rho",
                "variables.lambda",
                "statistics.log_likelihood",
                "statistics.sigma2",
                "statistics.moran_i",
                "statistics.lm_lag",
                "statistics.lm_error",
                "statistics.robust_lm_lag",
                "statistics.robust_lm_error",
                "statistics.lm_sarma",
                "columns.contiguity",
                "columns.inverse_distance",
                "columns.economic",
                "inference.ml",
                "inference.qml",
                "inference.simulated",
                "methods.sdm",
                "notes.spatial_model",
                "notes.spatial_effects",
                "notes.spatial_tests",
            ),
        ),
        Model(
            name="dynamic",
            stage="imtfp.models.dynamic:estimate_dynamic",
            result="imtfp.models.dynamic:DynamicPanelFit",
            section="models.dynamic",
            module="imtfp.models.dynamic",
            exports=("DynamicPanelFit", "dynamic_panel"),
            table="imtfp.report.builders:dynamic_table",
            labels=(
                "titles.dynamic",
                "statistics.ar1",
                "statistics.ar2",
                "statistics.hansen_j",
                "statistics.hansen_j_df",
                "statistics.sargan",
                "statistics.sargan_df",
                "statistics.n_instruments",
                "statistics.n_groups",
                "columns.difference",
                "columns.system",
                "inference.windmeijer",
                "notes.dynamic_method",
                "notes.dynamic_groups",
            ),
        ),
        Model(
            name="did",
            stage="imtfp.models.did.stages:design_results",
            result="imtfp.models.did._results:DidAggregate",
            section="designs",
            module="imtfp.models.did",
            table="imtfp.report.did:did_table",
            rule="design",
            tables=("results", "att_gt", "honest", "checks", "multiverse"),
            figures=("event_study", "bacon"),
            labels=(
                "did.title_results",
                "did.title_att_gt",
                "did.title_honest",
                "did.title_checks",
                "did.title_multiverse",
            ),
        ),
    )
}

#: Public names of :mod:`imtfp.models` that belong to no one pipeline model: {name: module}.
TOOLS: dict[str, str] = {
    "feols": "imtfp.models.formula",
    "feiv": "imtfp.models.formula",
    "mediate": "imtfp.models.formula",
    "parse_formula": "imtfp.models.formula",
    "SpecificationCurve": "imtfp.models.multiverse",
    "estimate_specifications": "imtfp.models.multiverse",
    "specification_grid": "imtfp.models.multiverse",
}

#: The models of rule ``estimate`` (one Parquet file and one table each).
ESTIMATE_MODELS: tuple[str, ...] = tuple(n for n, m in MODELS.items() if m.rule == "estimate")
#: Wildcard constraint of ``{model}`` in rule ``estimate``.
ESTIMATE_WILDCARD = "|".join(ESTIMATE_MODELS)
#: Tables built from the data and the measures rather than from a model.
DATA_TABLES = ("descriptive", "correlation", "weights", "coupling")
#: Every table of ``report.tables``: data tables, model tables, then the named robustness checks.
REPORT_TABLES: tuple[str, ...] = (*DATA_TABLES, *ESTIMATE_MODELS, "robustness")


def configured(config: Mapping) -> list[str]:
    """The estimate-rule models ``config`` runs: the baseline, and every model whose section is set."""
    return [n for n in ESTIMATE_MODELS if MODELS[n].enabled(config)]


def exports() -> dict[str, str]:
    """Every public name of :mod:`imtfp.models` and the module that defines it: each model's
    ``exports`` (from its ``module``, or ``"module:name"`` for a name defined elsewhere), its
    stage function, and :data:`TOOLS`."""
    out: dict[str, str] = {}
    for m in MODELS.values():
        if m.rule != "estimate":
            continue
        for name in m.exports:
            module, sep, attribute = name.rpartition(":")
            out[attribute] = module if sep else m.module
        module, _, function = m.stage.partition(":")
        out[function] = module
    return {**out, **TOOLS}


def fill_defaults(instance: Mapping, schema: Mapping) -> dict:
    """A copy of ``instance`` with every ``default`` of ``schema`` filled in where a key is absent.

    Objects are filled recursively (an absent object with ``default: {}`` is created, then
    filled); a key that is present, even as null, keeps its value.

    >>> fill_defaults({"a": {}}, {"properties": {"a": {"properties": {"b": {"default": 1}}},
    ...                                          "c": {"default": []}}})
    {'a': {'b': 1}, 'c': []}
    """
    out = copy.deepcopy(dict(instance))
    for key, sub in (schema.get("properties") or {}).items():
        if key not in out and "default" in sub:
            out[key] = copy.deepcopy(sub["default"])
        if isinstance(out.get(key), Mapping) and "properties" in sub:
            out[key] = fill_defaults(out[key], sub)
    return out


@functools.cache
def _schema_of(section: str) -> Mapping:
    from imtfp.config import load_schema

    return load_schema()["properties"][section]


def model_spec(spec: Mapping) -> dict:
    """The ``models:`` section with the config schema's defaults filled in.

    The schema (``schemas/config.schema.yaml``) is the one place a model option's default is
    written: stage functions receive this spec and read every key directly.
    """
    return fill_defaults(spec, _schema_of("models"))


def design_spec(spec: Mapping) -> dict:
    """One causal design (``designs.<name>``) with the schema's defaults filled in, its
    design-level ``checks`` left out (the DiD stages read every key directly)."""
    design = {k: v for k, v in spec.items() if k != "checks"}
    return fill_defaults(design, _schema_of("designs")["additionalProperties"])


def complete_schema(schema: dict) -> dict:
    """``schema`` with the lists derived from :data:`MODELS` filled in (the ``report.tables`` enum)."""
    tables = schema["properties"]["report"]["properties"]["tables"]["items"]
    tables["enum"] = list(REPORT_TABLES)
    return schema
