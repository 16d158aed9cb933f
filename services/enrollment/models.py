"""Every enrollment table, imported in one place so Alembic and tests see the whole `Base`."""

from __future__ import annotations

from services.enrollment.arrears.models import EnterpriseArrears
from services.enrollment.base import Base
from services.enrollment.enrollments.models import Enrollment, EnrollmentTransition
from services.enrollment.partners.models import Partner, PartnerChange
from services.enrollment.payments.models import Delivery, DeliveryLine, Payment
from services.enrollment.persons.models import Household, IdReveal, Person
from services.enrollment.schemes.models import SchemeYear
from services.enrollment.targets.models import Task
from services.enrollment.units.models import Unit

__all__ = [
    "Base",
    "Delivery",
    "DeliveryLine",
    "Enrollment",
    "EnrollmentTransition",
    "EnterpriseArrears",
    "Household",
    "IdReveal",
    "Partner",
    "PartnerChange",
    "Payment",
    "Person",
    "SchemeYear",
    "Task",
    "Unit",
]
