import os


# run_name: X puts every output, log and benchmark of this config under runs/X/ (the same layout as
# data/derived and logs), so two datasets never mix. Paths the config gives (manifest, data roots) are
# relative to the folder snakemake starts in: make them absolute before moving into the run folder.
def _run_folder(cfg):
    name = cfg.get("run_name")
    if not name:
        return None
    base = os.getcwd()
    dataset = cfg.get("dataset", {})
    for section, key in ((dataset, "manifest"), (dataset, "root"), (cfg, "data_root")):
        if section.get(key):
            section[key] = os.path.join(base, os.path.expanduser(section[key]))
    return os.path.join("runs", name)
