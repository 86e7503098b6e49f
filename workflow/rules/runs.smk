import os

import imtfp.config


# run_name: X puts every output, log and benchmark of this config under runs/X/ (the same layout as
# data/derived and logs), so two datasets never mix. Before anything else (before `workdir:` creates
# the run folder), every path the config names is checked to stay inside its folder and run_name to
# be a slug (imtfp.config.check_paths): a refused path creates nothing. Paths the config gives
# (manifest, data roots) are relative to the folder snakemake starts in: make them absolute before
# moving into the run folder.
def _run_folder(cfg):
    base = os.getcwd()
    imtfp.config.check_paths(cfg, project=base)
    folder = imtfp.config.run_folder(cfg, project=base)
    if not folder:
        return None
    dataset = cfg.get("dataset", {})
    for section, key in ((dataset, "manifest"), (dataset, "root"), (cfg, "data_root")):
        if section.get(key):
            section[key] = os.path.join(base, os.path.expanduser(section[key]))
    return folder
