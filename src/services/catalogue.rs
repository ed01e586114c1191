//! The public catalogue (programmes, phases, public competitions) as a shared,
//! briefly cached read model, so public pages and lists do not query the database
//! on every request and do not slow down as traffic grows.
//!
//! Changes made by this process invalidate it at once; changes made by another
//! instance on the same database show after at most the time to live.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use sea_orm::DatabaseConnection;

use super::ServiceError;
use super::programmes::{self, ProgrammeOverview};
use super::votes::{self, VoteScope};
use crate::entities::{competition, phase, programme};

pub struct Catalogue {
    pub programmes: Vec<ProgrammeOverview>,
    /// The competitions and programmes that hold a public vote (the home
    /// and competition pages link to it).
    votes: HashSet<VoteScope>,
    /// Output already produced from this snapshot (pages per language), so a page
    /// is rendered once per snapshot rather than once per request.
    rendered: Mutex<HashMap<String, Arc<str>>>,
}

/// A public competition with its programme and phase.
#[derive(Clone, Copy)]
pub struct Placed<'a> {
    pub programme: &'a programme::Model,
    pub phase: &'a phase::Model,
    pub competition: &'a competition::Model,
}

impl Catalogue {
    pub fn new(programmes: Vec<ProgrammeOverview>, votes: HashSet<VoteScope>) -> Self {
        Self {
            programmes,
            votes,
            rendered: Mutex::new(HashMap::new()),
        }
    }

    /// Whether this competition or programme holds a public vote.
    pub fn holds_vote(&self, scope: VoteScope) -> bool {
        self.votes.contains(&scope)
    }

    /// What `render` made of this snapshot under `key`, rendering it on first use.
    /// A failed render is not kept.
    pub fn rendered<E>(
        &self,
        key: &str,
        render: impl FnOnce() -> Result<String, E>,
    ) -> Result<Arc<str>, E> {
        if let Some(done) = self
            .rendered
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(key)
        {
            return Ok(done.clone());
        }
        let done: Arc<str> = render()?.into();
        self.rendered
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key.to_owned(), done.clone());
        Ok(done)
    }

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

    pub fn by_id(&self, id: i64) -> Option<Placed<'_>> {
        self.competitions()
            .find(|placed| placed.competition.id == id)
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
        let catalogue = Arc::new(Catalogue::new(
            programmes::overviews(db, false).await?,
            votes::scopes(db).await?,
        ));
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
