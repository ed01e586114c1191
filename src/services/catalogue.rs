//! The public catalogue (programmes, phases, public competitions) as a shared,
//! briefly cached read model, so public pages and lists do not query the database
//! on every request and do not slow down as traffic grows.
//!
//! Changes made by this process invalidate it at once; changes made by another
//! instance on the same database show after at most the time to live.

use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use sea_orm::DatabaseConnection;

use super::ServiceError;
use super::programmes::{self, ProgrammeOverview};
use crate::entities::{competition, phase, programme};

pub struct Catalogue {
    pub programmes: Vec<ProgrammeOverview>,
}

/// A public competition with its programme and phase.
pub struct Placed<'a> {
    pub programme: &'a programme::Model,
    pub phase: &'a phase::Model,
    pub competition: &'a competition::Model,
}

impl Catalogue {
    pub fn competitions(&self) -> impl Iterator<Item = Placed<'_>> {
        self.programmes.iter().flat_map(|overview| {
            overview
                .phases
                .iter()
                .flat_map(move |(phase, competitions)| {
                    competitions.iter().map(move |competition| Placed {
                        programme: &overview.programme,
                        phase,
                        competition,
                    })
                })
        })
    }

    pub fn by_slug(&self, slug: &str) -> Option<Placed<'_>> {
        self.competitions()
            .find(|placed| placed.competition.slug == slug)
    }
}

struct Slot {
    generation: u64,
    fresh: Option<(Instant, Arc<Catalogue>)>,
}

pub struct CatalogueCache {
    ttl: Duration,
    slot: RwLock<Slot>,
}

impl CatalogueCache {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            slot: RwLock::new(Slot {
                generation: 0,
                fresh: None,
            }),
        }
    }

    pub async fn get(&self, db: &DatabaseConnection) -> Result<Arc<Catalogue>, ServiceError> {
        let generation = {
            let slot = self.slot.read().unwrap_or_else(PoisonError::into_inner);
            if let Some((at, catalogue)) = &slot.fresh
                && at.elapsed() < self.ttl
            {
                return Ok(catalogue.clone());
            }
            slot.generation
        };
        let catalogue = Arc::new(Catalogue {
            programmes: programmes::overviews(db, false).await?,
        });
        let mut slot = self.slot.write().unwrap_or_else(PoisonError::into_inner);
        // A change while we were reading makes what we read stale: do not keep it.
        if slot.generation == generation {
            slot.fresh = Some((Instant::now(), catalogue.clone()));
        }
        Ok(catalogue)
    }

    /// Call after every change this process makes.
    pub fn invalidate(&self) {
        let mut slot = self.slot.write().unwrap_or_else(PoisonError::into_inner);
        slot.generation += 1;
        slot.fresh = None;
    }
}
