"""Learning opportunities: internal work a mentor follows, commenting on the mentee's engagements."""

from __future__ import annotations

from tortoise.expressions import Q

from crowdgraph.core import runtime
from crowdgraph.core.actor import Actor
from crowdgraph.core.errors import InvalidInput, NotFound
from crowdgraph.core.events import emit
from crowdgraph.core.models import (
    Account,
    Audience,
    Engagement,
    EngagementComment,
    Membership,
    Project,
    WorkerKind,
    WorkerProfile,
)
from crowdgraph.core.pages import Page, PageRequest, fetch_page
from crowdgraph.core.projects import get_managed_project, visible_projects
from crowdgraph.core.transaction import atomic
from crowdgraph.core.validation import Checks

COMMENT_MAX = 4_000
LEARNING_CHANGED = "core.project.learning_changed"
"""Emitted when a project is marked for learning or unmarked (subscribers re-read who mentors what)."""


async def mark_learning(
    actor: Actor, project_id: int, *, learning: bool, mentor_email: str | None = None
) -> Project:
    """Mark a project as a learning opportunity with a mentor (or unmark it).

    It must be internal work; the mentor is a member of the organization or one of its employees.
    """
    project = await get_managed_project(actor, project_id)
    mentor_id = None
    if learning:
        mentor_id = await _mentor(project, mentor_email)
    async with atomic():
        was = project.mentor_id
        project.learning, project.mentor_id = learning, mentor_id
        await project.save(update_fields=["learning", "mentor_id"])
        await emit(
            LEARNING_CHANGED,
            {"project_id": project.id, "learning": learning, "mentor_account_id": mentor_id},
            organization_id=project.organization_id,
            account_id=mentor_id or was,
            project_id=project.id,
        )
    return project


async def _mentor(project: Project, mentor_email: str | None) -> int:
    if project.audience != Audience.INTERNAL:
        raise InvalidInput.one(
            "projectId",
            "NOT_INTERNAL",
            "a learning opportunity is for the internal crowd: set the project's audience to INTERNAL first",
        )
    if not mentor_email:
        raise InvalidInput.one("mentorEmail", "REQUIRED", "a learning opportunity needs a mentor")
    mentor = await Account.get_or_none(email=mentor_email.strip().lower())
    if mentor is None:
        raise InvalidInput.one(
            "mentorEmail", "NOT_FOUND", f"no account with email {mentor_email!r}"
        )
    if not await _belongs_to(mentor.id, project.organization_id):
        raise InvalidInput.one(
            "mentorEmail",
            "NOT_ELIGIBLE",
            "a mentor is a member of the organization or one of its internal workers",
        )
    return mentor.id


async def _belongs_to(account_id: int, organization_id: int) -> bool:
    if await Membership.exists(account_id=account_id, organization_id=organization_id):
        return True
    return await WorkerProfile.exists(
        account_id=account_id, kind=WorkerKind.INTERNAL, employer_id=organization_id
    )


async def learning_opportunities(actor: Actor, page: PageRequest) -> Page[Project]:
    """Learning projects the caller may see: an employee's own organization's, a member's, a mentor's."""
    actor.require_account()
    rule = Q(learning=True) & (
        await visible_projects(actor) | Q(mentor_id=actor.account_id, learning=True)
    )
    return await fetch_page(Project.filter(rule), page)


async def _commentable(actor: Actor, engagement_id: int) -> Engagement:
    """The engagement, if the caller is its worker, its project's mentor, or manages its organization."""
    account = actor.require_account()
    engagement = await Engagement.get_or_none(id=engagement_id)
    if engagement is None:
        raise NotFound("no such engagement")
    worker = await actor.worker()
    if worker is not None and worker.id == engagement.worker_id:
        return engagement
    if actor.can_manage(engagement.organization_id):
        return engagement
    if engagement.project_id is not None and await Project.exists(
        id=engagement.project_id, learning=True, mentor_id=account.id
    ):
        return engagement
    raise NotFound("no such engagement")


async def comment_page(engagement_id: int, page: PageRequest) -> Page[EngagementComment]:
    """The comments on an engagement, oldest first: for callers who may see the engagement."""
    return await fetch_page(EngagementComment.filter(engagement_id=engagement_id), page)


async def comment(actor: Actor, engagement_id: int, text: str) -> EngagementComment:
    """A mentor's (or manager's) feedback on a piece of work, or the worker's reply."""
    engagement = await _commentable(actor, engagement_id)
    checks = Checks()
    checks.text("text", text, min_len=1, max_len=COMMENT_MAX)
    checks.done()
    author = actor.require_account()
    async with atomic():
        row = await EngagementComment.create(
            engagement_id=engagement.id,
            author_id=author.id,
            text=text.strip(),
            created_at=runtime.now(),
        )
        worker = await WorkerProfile.get(id=engagement.worker_id)
        await emit(
            "core.engagement.commented",
            {"engagement_id": engagement.id, "comment_id": row.id, "author_account_id": author.id},
            organization_id=engagement.organization_id,
            account_id=worker.account_id,
            project_id=engagement.project_id,
        )
    return row
