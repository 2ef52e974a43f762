"""Demand forecast: residents → pupils by level, unit and year, and seat early-warnings (学位预警).

>>> from layoutsim.forecast import ForecastConfig
>>> ForecastConfig().per_thousand.primary
80.0
"""
from layoutsim.forecast.census import load_census
from layoutsim.config.forecast import ForecastConfig
from layoutsim.forecast.model import forecast
from layoutsim.forecast.result import Forecast
from layoutsim.forecast.warning import peak_years, seat_warnings

__all__ = ["Forecast", "ForecastConfig", "forecast", "load_census", "peak_years", "seat_warnings"]
