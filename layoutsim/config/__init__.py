"""Everything a scenario file says, validated (pydantic), below every stage: the scenario and its layers
(:mod:`.scenario`), the forecast's settings (:mod:`.forecast`), the plan's (:mod:`.plan`) and the input
coordinate systems (:mod:`.crs`). Importing it loads neither geopandas nor the solver.
"""
from layoutsim.config.forecast import ForecastConfig
from layoutsim.config.plan import PlanConfig
from layoutsim.config.scenario import DataConfig, LayerSource, ReachConfig, Scenario, dump_scenario, load_scenario

__all__ = ["DataConfig", "ForecastConfig", "LayerSource", "PlanConfig", "ReachConfig", "Scenario", "dump_scenario",
           "load_scenario"]
