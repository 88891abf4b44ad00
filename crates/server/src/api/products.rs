//! Products, their policy, projects and artifacts.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use patchwarden_core::Component;
use patchwarden_store::{Artifact, Deployment, FindingRow, Product, Project};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::AppState;

/// A product as listed, with its projects.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProductView {
    /// The product.
    #[serde(flatten)]
    pub product: Product,
    /// Its projects, by name.
    pub projects: Vec<String>,
}

/// The products the caller may read.
#[utoipa::path(get, path = "/api/v1/products", tag = "products",
    responses((status = 200, description = "Products", body = Vec<ProductView>),
        (status = 401, description = "No working credentials", body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
pub async fn list_products(
    State(state): State<AppState>,
    viewer: Viewer,
) -> ApiResult<Json<Vec<ProductView>>> {
    let products = state.store.products().await?;
    let projects = state.store.projects(None).await?;
    Ok(Json(
        products
            .into_iter()
            .filter(|p| viewer.principal.can_read_product(p.id))
            .map(|product| ProductView {
                projects: projects
                    .iter()
                    .filter(|j| j.product_id == product.id)
                    .map(|j| j.name.clone())
                    .collect(),
                product,
            })
            .collect(),
    ))
}

/// A new product.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewProduct {
    /// Unique name.
    pub name: String,
    /// What it is.
    #[serde(default)]
    pub description: String,
    /// Its policy (patchwarden.toml text), applied to scans that bring none.
    pub policy: Option<String>,
}

fn check_policy(text: Option<&str>) -> ApiResult<()> {
    if let Some(text) = text {
        patchwarden_policy::rules::Policy::from_toml(text)
            .map_err(|e| ApiError::unprocessable(format!("policy: {e}")))?;
    }
    Ok(())
}

/// Create a product (admin).
#[utoipa::path(post, path = "/api/v1/products", tag = "products",
    request_body = NewProduct,
    responses((status = 201, description = "Created", body = Product),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 409, description = "The name is taken", body = ErrorBody),
        (status = 422, description = "The policy does not parse", body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
pub async fn create_product(
    State(state): State<AppState>,
    viewer: Viewer,
    Json(body): Json<NewProduct>,
) -> ApiResult<(StatusCode, Json<Product>)> {
    viewer.require_admin()?;
    let name = body.name.trim();
    if name.is_empty() || name.len() > 200 {
        return Err(ApiError::unprocessable("name: 1 to 200 characters"));
    }
    check_policy(body.policy.as_deref())?;
    let mut w = state.store.write(viewer.actor(), &state.now()).await?;
    let product = w
        .create_product(name, &body.description, body.policy.as_deref())
        .await?;
    w.commit().await?;
    Ok((StatusCode::CREATED, Json(product)))
}

/// A product with its projects and latest artifacts.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProductDetail {
    /// The product (with its policy text).
    pub product: Product,
    /// Its projects.
    pub projects: Vec<Project>,
    /// The latest artifact of each project.
    pub latest_artifacts: Vec<Artifact>,
}

/// One product.
#[utoipa::path(get, path = "/api/v1/products/{product}", tag = "products",
    params(("product" = String, Path, description = "The product's name")),
    responses((status = 200, description = "The product", body = ProductDetail),
        (status = 403, description = "Not readable by the caller", body = ErrorBody),
        (status = 404, description = "No such product", body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
pub async fn get_product(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(name): Path<String>,
) -> ApiResult<Json<ProductDetail>> {
    let product = viewer.readable_product(&state, &name).await?;
    let projects = state.store.projects(Some(&product.name)).await?;
    let latest_artifacts = state
        .store
        .latest_artifacts()
        .await?
        .into_iter()
        .filter(|a| a.product_id == product.id)
        .collect();
    Ok(Json(ProductDetail {
        product,
        projects,
        latest_artifacts,
    }))
}

/// A product's policy.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct PolicyBody {
    /// patchwarden.toml text; `null` clears it (the defaults apply).
    pub policy: Option<String>,
}

/// Set or clear a product's policy (admin: the policy sets the SLA deadlines that the
/// product's own maintainers are measured against).
#[utoipa::path(put, path = "/api/v1/products/{product}/policy", tag = "products",
    params(("product" = String, Path, description = "The product's name")),
    request_body = PolicyBody,
    responses((status = 200, description = "Stored", body = PolicyBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such product", body = ErrorBody),
        (status = 422, description = "The policy does not parse", body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
pub async fn set_policy(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(name): Path<String>,
    Json(body): Json<PolicyBody>,
) -> ApiResult<Json<PolicyBody>> {
    viewer.require_admin()?;
    let product = viewer.readable_product(&state, &name).await?;
    check_policy(body.policy.as_deref())?;
    let mut w = state.store.write(viewer.actor(), &state.now()).await?;
    w.set_product_policy(&product, body.policy.as_deref())
        .await?;
    w.commit().await?;
    Ok(Json(body))
}

/// A product's policy.
#[utoipa::path(get, path = "/api/v1/products/{product}/policy", tag = "products",
    params(("product" = String, Path, description = "The product's name")),
    responses((status = 200, description = "The policy (`null`: the defaults apply)", body = PolicyBody),
        (status = 403, description = "Not readable by the caller", body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
pub async fn get_policy(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(name): Path<String>,
) -> ApiResult<Json<PolicyBody>> {
    let product = viewer.readable_product(&state, &name).await?;
    Ok(Json(PolicyBody {
        policy: product.policy,
    }))
}

/// The projects of a product.
#[utoipa::path(get, path = "/api/v1/products/{product}/projects", tag = "products",
    params(("product" = String, Path, description = "The product's name")),
    responses((status = 200, description = "Projects", body = Vec<Project>),
        (status = 403, description = "Not readable by the caller", body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
pub async fn list_projects(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(name): Path<String>,
) -> ApiResult<Json<Vec<Project>>> {
    let product = viewer.readable_product(&state, &name).await?;
    Ok(Json(state.store.projects(Some(&product.name)).await?))
}

/// A new project.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewProject {
    /// Name, unique within the product (a repository, an image).
    pub name: String,
}

/// Create a project in a product (admin, or a maintainer of the product).
#[utoipa::path(post, path = "/api/v1/products/{product}/projects", tag = "products",
    params(("product" = String, Path, description = "The product's name")),
    request_body = NewProject,
    responses((status = 201, description = "Created", body = Project),
        (status = 200, description = "It existed already", body = Project),
        (status = 403, description = "The caller may not change the product", body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
pub async fn create_project(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(name): Path<String>,
    Json(body): Json<NewProject>,
) -> ApiResult<(StatusCode, Json<Project>)> {
    let product = viewer.writable_product(&state, &name).await?;
    let project_name = body.name.trim();
    if project_name.is_empty() || project_name.len() > 200 {
        return Err(ApiError::unprocessable("name: 1 to 200 characters"));
    }
    let mut w = state.store.write(viewer.actor(), &state.now()).await?;
    let (project, created) = w.ensure_project(&product, project_name).await?;
    w.commit().await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(project)))
}

/// Which artifacts to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ArtifactQuery {
    /// Only this project.
    pub project: Option<String>,
}

/// The artifacts (recorded scans) of a product, newest first.
#[utoipa::path(get, path = "/api/v1/products/{product}/artifacts", tag = "products",
    params(("product" = String, Path, description = "The product's name"), ArtifactQuery),
    responses((status = 200, description = "Artifacts", body = Vec<Artifact>),
        (status = 403, description = "Not readable by the caller", body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
pub async fn list_artifacts(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(name): Path<String>,
    Query(q): Query<ArtifactQuery>,
) -> ApiResult<Json<Vec<Artifact>>> {
    let product = viewer.readable_product(&state, &name).await?;
    Ok(Json(
        state
            .store
            .artifacts(Some(&product.name), q.project.as_deref())
            .await?,
    ))
}

/// An artifact with its components, findings and deployments.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArtifactDetail {
    /// The artifact.
    pub artifact: Artifact,
    /// Its components (ecosystem, name, version, purl, where found, direct, scope).
    #[schema(value_type = Vec<Object>)]
    pub components: Vec<Component>,
    /// The findings it had.
    pub findings: Vec<FindingRow>,
    /// Where it was deployed.
    pub deployments: Vec<Deployment>,
}

/// One artifact.
#[utoipa::path(get, path = "/api/v1/artifacts/{id}", tag = "products",
    params(("id" = i64, Path, description = "The artifact's id")),
    responses((status = 200, description = "The artifact", body = ArtifactDetail),
        (status = 403, description = "Not readable by the caller", body = ErrorBody),
        (status = 404, description = "No such artifact", body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
pub async fn get_artifact(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> ApiResult<Json<ArtifactDetail>> {
    viewer.require_portfolio_reader()?;
    let what = format!("artifact {id}");
    let artifact = viewer.visible(
        state.store.artifact(id).await?,
        |a| a.product_id,
        &what,
        &what,
    )?;
    Ok(Json(ArtifactDetail {
        components: state.store.artifact_components(id).await?,
        findings: state.store.artifact_findings(id).await?,
        deployments: state.store.deployments(Some(id)).await?,
        artifact,
    }))
}
