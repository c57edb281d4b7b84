"""Background work of onboarding (run by `wangge worker`): the commit of a survey round's sheet,
defined with the import it runs (`wangge.onboarding.survey`)."""

from wangge.onboarding.survey import commit_survey_sheet

__all__ = ["commit_survey_sheet"]
