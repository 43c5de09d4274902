"""The marketplace's part of the GraphQL schema: root fields, mutations, nodes, details, stages."""

from __future__ import annotations

from crowdgraph.plugins.marketplace.contracts import DETAIL_TYPE
from crowdgraph.plugins.marketplace.mutations import MarketplaceMutation
from crowdgraph.plugins.marketplace.queries import (
    NODES,
    MarketplaceQuery,
    job_stages,
    resolve_contract,
)
from crowdgraph.plugins.marketplace.types import MarketplaceContract, MarketplaceJob
from crowdgraph.schema.part import SchemaPart


def schema_part() -> SchemaPart:
    return SchemaPart(
        query=MarketplaceQuery,
        mutation=MarketplaceMutation,
        types=[MarketplaceJob, MarketplaceContract],
        nodes=NODES,
        details={DETAIL_TYPE: resolve_contract},
        stages=[job_stages],
    )
