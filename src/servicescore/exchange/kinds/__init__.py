"""The KINDs of import-formats.md, in the order a full load should run them."""

from .facts import MetricFacts
from .labour import LabourOperations
from .org import Employees, OrgUnits
from .voice import Complaints, FollowUps, SurveyResponses
from .workorders import LabourLines, WorkOrders

KINDS = {
    kind.name: kind
    for kind in (
        OrgUnits,
        Employees,
        LabourOperations,
        WorkOrders,
        LabourLines,
        SurveyResponses,
        FollowUps,
        Complaints,
        MetricFacts,
    )
}
