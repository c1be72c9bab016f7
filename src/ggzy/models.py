"""Every table of the platform, imported in one place so that migrations see the whole schema."""

from ggzy.audit.models import AuditCheckpoint, AuditEvent, AuditHead
from ggzy.auth.models import Account, AuthSession, RoleGrant
from ggzy.award.models import AwardCandidate, AwardContract, AwardNotice, AwardObjection, AwardResult, ExpertFee
from ggzy.bidding.models import Bid, Custodian, CustodianShare, OpeningKey, Receipt, Upload
from ggzy.centers.models import CalendarDay, Center, CenterMerger, NationalCalendarYear, Seat, Venue
from ggzy.deposits.models import Bank, Guarantee, GuaranteeIssuer, Payment, Refund, SubAccount, TransferInstruction
from ggzy.evaluation.models import (
    Draw,
    DrawMember,
    Expert,
    ExpertEngagement,
    ExpertRelation,
    ExpertSpecialty,
    ExpertUnavailability,
    SeatBooking,
)
from ggzy.evaluation.session_models import (
    Clarification,
    EvaluationSeat,
    EvaluationSession,
    ExpertFeePayment,
    QualificationVerdict,
    ScoreSheetRow,
)
from ggzy.kit.db import Base
from ggzy.opening.models import (
    ForensicFinding,
    KeySubmission,
    Objection,
    Opening,
    OpeningBid,
    RollCall,
    ShareSubmission,
)
from ggzy.pki.fee_models import CaFeeItem, CaFeePayment, CaFeeSchedule, CaProvider
from ggzy.pki.models import CertificateBinding, TrustedCa, TrustState, UsedChallenge
from ggzy.projects.models import (
    Announcement,
    Document,
    Download,
    Notification,
    Project,
    Question,
    Section,
    TenderProject,
)
from ggzy.registry.models import CreditRecord, Entity, EntityVersion, Qualification

metadata = Base.metadata

__all__ = [
    "AwardCandidate",
    "AwardContract",
    "AwardNotice",
    "AwardObjection",
    "AwardResult",
    "ExpertFee",
    "Bid",
    "Custodian",
    "CustodianShare",
    "OpeningKey",
    "Receipt",
    "Upload",
    "Bank",
    "Guarantee",
    "GuaranteeIssuer",
    "Payment",
    "Refund",
    "SubAccount",
    "TransferInstruction",
    "CaFeeItem",
    "CaFeePayment",
    "CaFeeSchedule",
    "CaProvider",
    "Account",
    "Announcement",
    "Document",
    "Download",
    "Notification",
    "Project",
    "Question",
    "Section",
    "TenderProject",
    "AuditCheckpoint",
    "AuditEvent",
    "AuditHead",
    "AuthSession",
    "CalendarDay",
    "Center",
    "CenterMerger",
    "NationalCalendarYear",
    "CertificateBinding",
    "CreditRecord",
    "Entity",
    "EntityVersion",
    "Qualification",
    "RoleGrant",
    "Seat",
    "TrustState",
    "TrustedCa",
    "UsedChallenge",
    "Venue",
    "Draw",
    "DrawMember",
    "Expert",
    "ExpertEngagement",
    "ExpertRelation",
    "ExpertSpecialty",
    "ExpertUnavailability",
    "SeatBooking",
    "Clarification",
    "EvaluationSeat",
    "EvaluationSession",
    "ExpertFeePayment",
    "QualificationVerdict",
    "ScoreSheetRow",
    "ForensicFinding",
    "KeySubmission",
    "Objection",
    "Opening",
    "OpeningBid",
    "RollCall",
    "ShareSubmission",
    "metadata",
]
