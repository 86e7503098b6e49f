# Helpers shared by the rules: config validation, variants (named robustness checks), inputs, targets.
#
# Outputs after ingest sit under data/derived/{variant}, where the empty variant is the baseline
# (data/derived/panel/panel.parquet), a named check writes under data/derived/robustness/<name>/ with
# the config overlay of `robustness.<name>` merged onto the baseline.

import imtfp.config
from imtfp.ingest.manifest import load_manifest


def validate_config():
    """The baseline and every named robustness check, each validated against the schema."""
    imtfp.config.validate(config)
    for overlay in config.get("robustness", {}).values():
        imtfp.config.validate(imtfp.config.merge(config, overlay))


validate_config()


def dataset_root():
    """Where the manifest's paths point: dataset.root, else data_root, else the manifest's folder."""
    return config["dataset"].get("root") or config.get("data_root")


def manifest():
    return load_manifest(config["dataset"]["manifest"], root=dataset_root())


def raw_files():
    """The manifest and every raw file it names: the ingest rule's inputs."""
    return [config["dataset"]["manifest"], *map(str, manifest().paths())]


def variant_config(wildcards):
    """The baseline config, or the baseline with a named robustness check's overlay merged on."""
    if not wildcards.variant:
        return config
    name = wildcards.variant.split("/")[1]
    return imtfp.config.merge(config, config["robustness"][name])


def panel_spec(wildcards):
    return variant_config(wildcards)["panel"]


def index_spec(wildcards):
    """The ``index`` section with ``coupling`` merged in, as imtfp.index.build_index takes it."""
    cfg = variant_config(wildcards)
    return {**cfg["index"], "coupling": cfg.get("coupling", {})}


def tfp_spec(wildcards):
    return variant_config(wildcards)["tfp"]


def models_spec(wildcards):
    return variant_config(wildcards)["models"]


MODEL_TABLES = ("baseline", "inference", "mediation", "heterogeneity", "iv", "threshold")


def model_tables():
    """The models configured: baseline always, the others when their section is present."""
    return [m for m in MODEL_TABLES if m == "baseline" or m in config["models"]]


def final_targets():
    return [
        "data/derived/quality/report.md",
        *expand("data/derived/models/{model}.parquet", model=model_tables()),
    ]
