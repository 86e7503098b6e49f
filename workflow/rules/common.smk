# Helpers shared by the rules: config validation, inputs from the manifest, final targets.

import imtfp.config
from imtfp.ingest.manifest import load_manifest

imtfp.config.validate(config)


def dataset_root():
    """Where the manifest's paths point: dataset.root, else data_root, else the manifest's folder."""
    return config["dataset"].get("root") or config.get("data_root")


def manifest():
    return load_manifest(config["dataset"]["manifest"], root=dataset_root())


def raw_files():
    """The manifest and every raw file it names: the ingest rule's inputs."""
    return [config["dataset"]["manifest"], *map(str, manifest().paths())]


def index_spec():
    """The ``index`` section with ``coupling`` merged in, as imtfp.index.build_index takes it."""
    return {**config["index"], "coupling": config.get("coupling", {})}


def final_targets():
    return [
        "data/derived/panel/panel.parquet",
        "data/derived/quality/report.md",
        "data/derived/measure/analysis.parquet",
    ]
