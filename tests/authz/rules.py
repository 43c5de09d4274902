"""Who may do and see what, for every root field and object type of the schema (every plugin on).

The world these rules speak of (tests/authz/conftest.py): organization A with a member (its owner),
organization B with its owner, a worker who did work of every kind for A, another worker, an admin.
A rule names the callers who may use a root field, or see *A's object* of a type (or the worker's,
for the worker's own things). The coverage test fails for any field of the schema without a rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Caller = Literal["anonymous", "worker", "other_worker", "org_member", "other_org_member", "admin"]
CALLERS: tuple[Caller, ...] = (
    "anonymous",
    "worker",
    "other_worker",
    "org_member",
    "other_org_member",
    "admin",
)

Callers = frozenset[Caller]
ANYONE: Callers = frozenset(CALLERS)
SIGNED_IN: Callers = ANYONE - {"anonymous"}
WORKERS: Callers = frozenset({"worker", "other_worker"})
THE_WORKER: Callers = frozenset({"worker"})
"""The worker who did A's work, acting on their own things."""
A_STAFF: Callers = frozenset({"org_member", "admin"})
ADMIN: Callers = frozenset({"admin"})
PARTIES: Callers = THE_WORKER | A_STAFF
"""The two sides of a piece of work (and the admin)."""
CLIENTS: Callers = frozenset({"org_member", "other_org_member", "admin"})
PUBLIC_WORK: Callers = WORKERS | A_STAFF
"""A's public work: every worker may find it; another organization may not."""
NOBODY: Callers = frozenset()


@dataclass(frozen=True)
class Rule:
    """Who may see an object of a type, and which fields are more private than the object.

    ``fields="inherit"``: every field, present and future, is as visible as the object. A dict
    must name every field of the type (``SAME`` for one as visible as the object), so a new field
    on a type with private fields fails the coverage test until someone decides.
    """

    see: Callers
    fields: Literal["inherit"] | dict[str, Callers | None]
    node: bool = True
    """Fetchable with node(id:) by those who may see it."""

    def field(self, name: str) -> Callers:
        """Who may read a field of A's object (nobody, for a field without a rule yet)."""
        if self.fields == "inherit":
            return self.see
        rule = self.fields.get(name, NOBODY)
        return self.see if rule is None else rule & self.see


SAME = None
"""A field as visible as its object."""

VIA_PARENT: Callers = ANYONE
"""A value type without an ID: visible wherever the field holding it is (that field's rule decides)."""

WRAPPER_SUFFIXES = ("Connection", "Edge", "Payload")
WRAPPERS = frozenset({"PageInfo", "UserError"})
"""Types that only carry others (pages, mutation results): what they carry is ruled, not them."""


QUERIES: dict[str, Callers] = {
    "node": SIGNED_IN,  # per type in TYPES; anonymous callers may fetch only public objects
    "me": ANYONE,
    "skills": ANYONE,
    "organization": ANYONE,
    "projects": SIGNED_IN,
    "workers": CLIENTS,
    "engagements": SIGNED_IN,
    "webhooks": A_STAFF,
    "myMicrotaskStanding": WORKERS,
    "microtaskPay": PUBLIC_WORK,
    "microtaskFeed": WORKERS,
    "microtaskBatches": A_STAFF,
    "myMicrotaskAssignments": WORKERS,
    "microtaskTaskPreview": WORKERS,
    "contests": ANYONE,  # results are public once winners are announced
    "marketplaceJobs": SIGNED_IN,
    "marketplaceProposals": SIGNED_IN,
    "marketplaceContracts": SIGNED_IN,
    "marketplaceDisputes": SIGNED_IN,
    "marketplaceOffers": SIGNED_IN,
    "marketplaceOnboardingSteps": SIGNED_IN,
    "myMarketplaceOnboarding": WORKERS,
    "marketplaceJobOnboarding": THE_WORKER,  # A's job is filled: only its contractor still sees it
    "marketplaceJobEligibility": THE_WORKER,
    "marketplaceInvitations": SIGNED_IN,
    "marketplaceExams": SIGNED_IN,
    "marketplaceExamAttempts": SIGNED_IN,
    "marketplaceReputation": SIGNED_IN,
    "marketplaceTalent": CLIENTS,
    "marketplaceRecommendedJobs": WORKERS,
    "learningOpportunities": SIGNED_IN,
}
"""Root query fields: the callers who get an answer (the rest get an error with a code).
What a list shows each caller is checked against TYPES."""

MUTATIONS: dict[str, Callers] = {
    "register": ANYONE,
    "login": ANYONE,
    "logout": SIGNED_IN,
    "createApiToken": SIGNED_IN,
    "revokeApiToken": THE_WORKER,
    "updateWorkerProfile": WORKERS,
    "setWorkerSkill": WORKERS,
    "removeWorkerSkill": WORKERS,
    "createSkill": ADMIN,
    "verifyWorkerSkill": ADMIN,
    "createOrganization": CLIENTS,
    "addOrganizationMember": A_STAFF,
    "addEmployee": A_STAFF,
    "createProject": A_STAFF,
    "updateProject": A_STAFF,
    "fundBudget": A_STAFF,
    "addProjectStage": A_STAFF,
    "advanceProjectFlow": A_STAFF,
    "registerWebhook": A_STAFF,
    "disableWebhook": A_STAFF,
    "replayWebhookDeliveries": A_STAFF,
    "createMicrotaskBatch": A_STAFF,
    "updateMicrotaskBatch": A_STAFF,
    "addMicrotaskTasks": A_STAFF,
    "openMicrotaskBatch": A_STAFF,
    "pauseMicrotaskBatch": A_STAFF,
    "closeMicrotaskBatch": A_STAFF,
    "claimMicrotask": WORKERS,
    "submitMicrotaskAnswer": THE_WORKER,
    "releaseMicrotask": THE_WORKER,
    "approveMicrotaskAnswer": A_STAFF,
    "rejectMicrotaskAnswer": A_STAFF,
    "appealMicrotaskRejection": THE_WORKER,
    "answerMicrotaskAppeal": A_STAFF,
    "blockMicrotaskWorker": A_STAFF,
    "unblockMicrotaskWorker": A_STAFF,
    "approveMicrotaskAnswers": A_STAFF,
    "payMicrotaskBonus": A_STAFF,
    "createContest": A_STAFF,
    "editContestDraft": A_STAFF,
    "addContestJudge": A_STAFF,
    "moveContestPhase": A_STAFF,
    "registerForContest": WORKERS,
    "submitToContest": THE_WORKER,
    "withdrawFromContest": THE_WORKER,
    "scoreContestSubmission": NOBODY,  # the contest's judges only, none of the six
    "appealContestScore": THE_WORKER,
    "answerContestAppeal": NOBODY,  # the judge who gave the score
    "awardContest": A_STAFF,
    "postMarketplaceJob": A_STAFF,
    "setMarketplaceJobStatus": A_STAFF,
    "submitMarketplaceProposal": WORKERS,
    "withdrawMarketplaceProposal": THE_WORKER,
    "decideMarketplaceProposal": A_STAFF,
    "inviteToMarketplaceJob": A_STAFF,
    "hireMarketplaceWorker": A_STAFF,
    "hireMarketplaceOffer": A_STAFF,
    "startMarketplaceContract": PARTIES,  # either side, once the onboarding is done
    "endMarketplaceContract": PARTIES,
    "submitMarketplaceMilestone": THE_WORKER,
    "approveMarketplaceMilestone": A_STAFF,
    "fundMarketplaceMilestone": A_STAFF,
    "addMarketplaceMilestone": A_STAFF,
    "requestMarketplaceMilestoneChanges": A_STAFF,
    "logMarketplaceTime": THE_WORKER,
    "decideMarketplaceTimeEntry": A_STAFF,
    "leaveMarketplaceFeedback": PARTIES,
    "openMarketplaceDispute": PARTIES,
    "resolveMarketplaceDispute": ADMIN,
    "createMarketplaceExam": A_STAFF,
    "startMarketplaceExam": WORKERS,
    "submitMarketplaceExam": THE_WORKER,
    "gradeMarketplaceExamAttempt": A_STAFF,
    "createMarketplaceOffer": WORKERS,
    "setMarketplaceOfferActive": THE_WORKER,
    "addMarketplaceOnboardingStep": A_STAFF,
    "completeMarketplaceOnboardingStep": WORKERS,
    "commentOnEngagement": PARTIES,
    "markLearningOpportunity": A_STAFF,
    "setClassificationLimits": A_STAFF,
}
"""Root mutation fields: who may perform it on A's objects (or on their own behalf)."""

SUBSCRIPTIONS: dict[str, Callers] = {
    "events": SIGNED_IN,  # each subscriber hears only the events it may see
}

TYPES: dict[str, Rule] = {
    "Account": Rule(
        THE_WORKER,
        {
            "id": SAME,
            "email": SAME,
            "name": SAME,
            "role": SAME,
            "createdAt": SAME,
            "worker": SAME,
            "organizations": SAME,
            "apiTokens": SAME,
            "apiTokensConnection": SAME,
            "earnings": SAME,
            "payments": SAME,
        },
    ),
    "AccountSummary": Rule(VIA_PARENT, "inherit", node=False),
    "ApiToken": Rule(THE_WORKER, "inherit"),
    "Budget": Rule(VIA_PARENT, "inherit", node=False),
    "Contest": Rule(
        PUBLIC_WORK,
        {
            "id": SAME,
            "title": SAME,
            "model": SAME,
            "brief": SAME,
            "requirements": SAME,
            "audience": SAME,
            "phase": SAME,
            "round": SAME,
            "deadline": SAME,
            "deadlines": SAME,
            "prizes": SAME,
            "honorableMentions": SAME,
            "honorableMentionAmount": SAME,
            "finalists": SAME,
            "participationAward": SAME,
            "judgeFee": SAME,
            "guaranteedPool": SAME,
            "maxEntrants": SAME,
            "maxSubmissionsPerEntrant": SAME,
            "scorecard": SAME,
            "entries": A_STAFF,
            "myEntry": SAME,
            "submissionsToJudge": A_STAFF,
            "appeals": A_STAFF,
            "judgingProgress": A_STAFF,
            "leaderboard": SAME,
            "leaderboardConnection": SAME,
        },
    ),
    "ContestAppeal": Rule(PARTIES, "inherit"),
    "ContestAward": Rule(VIA_PARENT, "inherit", node=False),
    "ContestCriterion": Rule(VIA_PARENT, "inherit", node=False),
    "ContestDeadlines": Rule(VIA_PARENT, "inherit", node=False),
    "ContestEntry": Rule(PARTIES, "inherit"),
    "ContestFile": Rule(VIA_PARENT, "inherit", node=False),
    "ContestJudgeProgress": Rule(VIA_PARENT, "inherit", node=False),
    "ContestPrize": Rule(VIA_PARENT, "inherit", node=False),
    "ContestScore": Rule(PARTIES, "inherit"),
    "ContestScorecard": Rule(VIA_PARENT, "inherit", node=False),
    "ContestStanding": Rule(VIA_PARENT, "inherit", node=False),
    "ContestSubmission": Rule(PARTIES, "inherit"),
    "DomainEvent": Rule(VIA_PARENT, "inherit", node=False),
    "Eligibility": Rule(VIA_PARENT, "inherit", node=False),
    "Engagement": Rule(PARTIES, "inherit"),
    "FlowStage": Rule(PUBLIC_WORK, "inherit"),
    "LedgerEntry": Rule(PARTIES, "inherit"),
    "MarketplaceContract": Rule(PARTIES, "inherit"),
    "MarketplaceContractFeedback": Rule(VIA_PARENT, "inherit", node=False),
    "MarketplaceDispute": Rule(PARTIES, "inherit"),
    "MarketplaceExam": Rule(SIGNED_IN, "inherit"),  # workers must find exams to take them
    "MarketplaceExamAnswer": Rule(VIA_PARENT, "inherit", node=False),
    "MarketplaceExamAttempt": Rule(PARTIES, "inherit"),
    "MarketplaceExamQuestion": Rule(VIA_PARENT, "inherit", node=False),
    "MarketplaceInvitation": Rule(VIA_PARENT, "inherit", node=False),
    "MarketplaceJob": Rule(PARTIES, "inherit"),  # filled: open jobs are seen by eligible workers
    "MarketplaceJobMatch": Rule(VIA_PARENT, "inherit", node=False),
    "MarketplaceMilestone": Rule(PARTIES, "inherit"),
    "MarketplaceOffer": Rule(SIGNED_IN, "inherit"),
    "MarketplaceOnboardingProgress": Rule(VIA_PARENT, "inherit", node=False),
    "MarketplaceOnboardingStep": Rule(SIGNED_IN, "inherit"),
    "MarketplaceProposal": Rule(PARTIES, "inherit"),
    "MarketplaceRating": Rule(VIA_PARENT, "inherit", node=False),
    "MarketplaceReputation": Rule(VIA_PARENT, "inherit", node=False),
    "MarketplaceTalentMatch": Rule(VIA_PARENT, "inherit", node=False),
    "MarketplaceTimeEntry": Rule(PARTIES, "inherit"),
    "Membership": Rule(VIA_PARENT, "inherit", node=False),
    "MicrotaskAssignment": Rule(PARTIES, "inherit"),
    "MicrotaskBatch": Rule(
        PUBLIC_WORK,
        {
            "id": SAME,
            "title": SAME,
            "model": SAME,
            "instructions": SAME,
            "answerSpec": SAME,
            "reward": SAME,
            "overlap": SAME,
            "maxOverlap": SAME,
            "leaseSeconds": SAME,
            "deadline": SAME,
            "requirements": SAME,
            "priority": SAME,
            "audience": SAME,
            "status": SAME,
            "goldRate": SAME,
            "scheduling": SAME,
            "aggregator": SAME,
            "medianSeconds": SAME,
            "hourlyPay": SAME,
            "allowPreview": SAME,
            "payFloor": SAME,
            "autoApproveHours": SAME,
            "appealWindowHours": SAME,
            "tasks": A_STAFF,
            "answers": A_STAFF,
        },
    ),
    "MicrotaskPay": Rule(VIA_PARENT, "inherit", node=False),
    "MicrotaskStanding": Rule(VIA_PARENT, "inherit", node=False),
    "MicrotaskTask": Rule(
        PARTIES,
        {
            "id": SAME,
            "input": SAME,
            "answersNeeded": SAME,
            "answersReceived": SAME,
            "status": SAME,
            "key": A_STAFF,  # a digest of input and gold answer: it would tell gold tasks apart
            "result": A_STAFF,  # the answers so far would sway the worker's own
            "confidence": A_STAFF,
        },
    ),
    "MicrotaskTaskPreview": Rule(VIA_PARENT, "inherit", node=False),
    "MicrotaskWorkerPay": Rule(VIA_PARENT, "inherit", node=False),
    "Money": Rule(VIA_PARENT, "inherit", node=False),
    "Organization": Rule(
        ANYONE,
        {
            "id": SAME,
            "name": SAME,
            "slug": SAME,
            "currency": SAME,
            "createdAt": SAME,
            "members": A_STAFF,
            "membersConnection": A_STAFF,
            "budget": A_STAFF,
            "projects": SIGNED_IN,
            "ledgerEntries": A_STAFF,
            "workforce": A_STAFF,
            "skillsInDemand": A_STAFF,
        },
    ),
    "Project": Rule(PUBLIC_WORK, "inherit"),
    "Skill": Rule(ANYONE, "inherit"),
    "WebhookDelivery": Rule(A_STAFF, "inherit"),
    "WebhookEndpoint": Rule(A_STAFF, "inherit"),
    "Worker": Rule(
        SIGNED_IN,  # an external worker's public profile
        {
            "id": SAME,
            "kind": SAME,
            "headline": SAME,
            "bio": SAME,
            "country": SAME,
            "timezone": SAME,
            "hourlyRate": SAME,
            "availability": SAME,
            "hoursPerWeek": SAME,
            "name": SAME,
            "employer": SAME,
            "skills": SAME,
            "record": SAME,  # its earnings are the worker's own: see WorkerRecord
            "engagements": SAME,  # each engagement shown only as TYPES["Engagement"] allows
        },
    ),
    "WorkerRecord": Rule(
        VIA_PARENT,
        {
            "activity": SAME,
            "facts": SAME,
            "earnings": frozenset({"worker", "admin"}),
            "earningsByModel": frozenset({"worker", "admin"}),
        },
        node=False,
    ),
    "WorkerSkill": Rule(VIA_PARENT, "inherit", node=False),
    "Workforce": Rule(VIA_PARENT, "inherit", node=False),
    "WorkforceMember": Rule(VIA_PARENT, "inherit", node=False),
    "WorkerFact": Rule(VIA_PARENT, "inherit", node=False),
    "ClassificationLimits": Rule(VIA_PARENT, "inherit", node=False),
    "EngagementComment": Rule(VIA_PARENT, "inherit", node=False),
    "ModelActivity": Rule(VIA_PARENT, "inherit", node=False),
    "ModelPay": Rule(VIA_PARENT, "inherit", node=False),
    "ModelSpend": Rule(VIA_PARENT, "inherit", node=False),
    "Pay": Rule(VIA_PARENT, "inherit", node=False),
    "SkillDemand": Rule(VIA_PARENT, "inherit", node=False),
}
"""Object types: who may see A's object (or the worker's own) of that type."""

SECRETS: dict[str, Callers] = {
    "answer": PARTIES,
    "entry": PARTIES,
    "cover": PARTIES,
    "milestone": PARTIES,
    "dispute": PARTIES,
    "exam_key": NOBODY,  # answer keys stay on the server
    "exam_answer": PARTIES,
    "invitation": PARTIES,
    "webhook": A_STAFF,
    "task": PARTIES,
    "feedback": PARTIES,
    "appeal": PARTIES,
    "worker_email": frozenset({"worker", "admin"}),
    "owner_email": frozenset({"org_member", "admin"}),
}
"""Who may read each private string the world writes (conftest.SECRET_TEXTS): nobody else's
answer, error message included, may contain it."""
