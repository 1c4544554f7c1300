// Transformer: declarations, annotations, parameters, script settings and type expressions.
#include "WfLexer.h"
#include "parse/transformer.h"

namespace wf {

std::string Transformer::docs_before(antlr4::Token* first) {
  if (!first || first->getTokenIndex() == 0) return {};
  std::string docs;
  for (antlr4::Token* t : tokens_.getHiddenTokensToLeft(first->getTokenIndex(), wfgen::WfLexer::DOCS)) {
    std::string line = t->getText().substr(3);  // drop "///"
    if (!line.empty() && line[0] == ' ') line.erase(0, 1);
    if (!docs.empty()) docs += '\n';
    docs += line;
  }
  return docs;
}

Own<Decl> Transformer::decl(P::TopDeclContext* ctx) {
  if (!ctx || !ctx->decl()) return nullptr;
  Own<Decl> d = decl_body(ctx->decl());
  if (!d) return nullptr;
  d->range = range(ctx);
  d->docs = docs_before(ctx->getStart());
  for (auto* a : ctx->annotation()) d->annotations.push_back(annotation(a));
  return d;
}

Annotation Transformer::annotation(P::AnnotationContext* ctx) {
  Annotation a;
  a.range = range(ctx);
  a.name = ident(ctx->label());
  a.has_parens = ctx->LPAREN() != nullptr;
  for (auto* arg : ctx->annotationArg()) {
    AnnotationArg out;
    if (arg->label()) out.name = ident(arg->label());
    out.value = expr(arg->expr(), range(arg));
    a.args.push_back(std::move(out));
  }
  return a;
}

Own<Decl> Transformer::decl_body(P::DeclContext* ctx) {
  if (auto* c = ctx->importDecl()) {
    auto d = std::make_unique<ImportDecl>();
    if (auto s = string(c->stringLit())) {
      d->path = s->plain_text();
      d->path_range = s->range;
    }
    return d;
  }
  if (auto* c = ctx->constDecl()) {
    auto d = std::make_unique<ConstDecl>();
    d->name = ident(c->ID());
    if (c->typeExpr()) d->declared = type(c->typeExpr());
    d->value = expr(c->expr(), range(c));
    return d;
  }
  if (auto* c = ctx->typeDecl()) {
    auto d = std::make_unique<TypeDecl>();
    d->name = ident(c->ID());
    d->aliased = type(c->typeExpr());
    return d;
  }
  if (auto* c = ctx->fnDecl()) {
    auto d = std::make_unique<FnDecl>();
    d->name = ident(c->ID());
    d->params = params(c->paramList());
    if (c->typeExpr()) d->result = type(c->typeExpr());
    d->body = block(c->block(), range(c));
    return d;
  }
  if (auto* c = ctx->libraryDecl()) {
    auto d = std::make_unique<ScriptDecl>(DeclKind::Library);
    d->name = ident(c->ID());
    d->settings = settings(c->settings());
    return d;
  }
  if (auto* c = ctx->scriptDecl()) {
    auto d = std::make_unique<ScriptDecl>(DeclKind::Script);
    d->name = ident(c->ID());
    d->has_params = c->paramList() != nullptr;
    d->params = params(c->paramList());
    d->settings = settings(c->settings());
    return d;
  }
  if (auto* c = ctx->workflowDecl()) {
    auto d = std::make_unique<WorkflowDecl>();
    d->name = ident(c->ID());
    d->params = params(c->paramList());
    if (c->typeExpr()) d->result = type(c->typeExpr());
    d->body = block(c->block(), range(c));
    return d;
  }
  return nullptr;
}

std::vector<Param> Transformer::params(P::ParamListContext* ctx) {
  std::vector<Param> out;
  if (!ctx) return out;
  for (auto* p : ctx->param()) {
    Param param;
    param.range = range(p);
    param.name = ident(p->ident());
    param.type = type(p->typeExpr());
    if (p->expr()) param.default_value = expr(p->expr(), range(p));
    out.push_back(std::move(param));
  }
  return out;
}

std::vector<Setting> Transformer::settings(P::SettingsContext* ctx) {
  std::vector<Setting> out;
  if (!ctx) return out;
  for (auto* s : ctx->setting()) {
    Setting setting;
    setting.range = range(s);
    setting.key = ident(s->label());
    setting.value = expr(s->expr(), range(s));
    out.push_back(std::move(setting));
  }
  return out;
}

Own<TypeExpr> Transformer::type(P::TypeExprContext* ctx) {
  if (!ctx || !ctx->typeAtom()) return nullptr;
  DepthGuard guard(depth_);
  if (too_deep(range(ctx))) {
    // A nameless type: the checker takes it as an earlier mistake and says nothing more.
    auto hole = std::make_unique<NamedTypeExpr>();
    hole->range = range(ctx);
    return hole;
  }
  Own<TypeExpr> inner;
  if (auto* named = dynamic_cast<P::NamedTypeContext*>(ctx->typeAtom())) {
    auto t = std::make_unique<NamedTypeExpr>();
    t->name = ident(named->ID());
    for (auto* arg : named->typeExpr())
      if (auto a = type(arg)) t->args.push_back(std::move(a));
    inner = std::move(t);
  } else if (auto* rec = dynamic_cast<P::RecordTypeContext*>(ctx->typeAtom())) {
    auto t = std::make_unique<RecordTypeExpr>();
    for (auto* f : rec->fieldType()) t->fields.push_back({ident(f->label()), type(f->typeExpr())});
    inner = std::move(t);
  } else {
    return nullptr;
  }
  inner->range = range(ctx->typeAtom());
  if (!ctx->QUESTION()) return inner;
  auto opt = std::make_unique<OptionalTypeExpr>();
  opt->range = range(ctx);
  opt->inner = std::move(inner);
  return opt;
}

}  // namespace wf
