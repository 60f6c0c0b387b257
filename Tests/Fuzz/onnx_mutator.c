/* A structure-aware libFuzzer mutator for ONNX ModelProto bytes (LLVMFuzzerCustomMutator).
 *
 * Half of the mutations are libFuzzer's own byte-level ones (they find parser bugs). The other
 * half unpack the bytes with protobuf-c, change one thing a model author or a broken exporter
 * could get wrong — an op type, a tensor name (dangling, duplicate, a cycle), a dimension
 * (negative, zero, huge, overflowing), a data type, an attribute value or type, node order,
 * a deleted or duplicated node, truncated weights, an opset — and pack the message again, so
 * the result still parses and reaches the graph checks, the planner and the kernels.
 * Bytes that do not unpack fall back to the byte-level mutation. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "onnx.pb-c.h"

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);

static uint64_t rng_state;
static uint32_t rnd(uint32_t n) {   /* xorshift, seeded per call from libFuzzer's seed */
  rng_state ^= rng_state << 13; rng_state ^= rng_state >> 7; rng_state ^= rng_state << 17;
  return n ? (uint32_t)(rng_state % n) : 0;
}

static const char *const op_types[] = {
  "Gemm", "MatMul", "Add", "Sub", "Mul", "Div", "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Softmax", "Clip",
  "BatchNormalization", "Identity", "Dropout", "Flatten", "Reshape", "Concat", "Squeeze", "Unsqueeze", "Constant",
  "Quant", "BipolarQuant", "Trunc", "Conv", "MaxPool", "Transpose", "QuantizeLinear", "DequantizeLinear", "TopK", "",
};
static const char *const domains[] = { "", "ai.onnx", "qonnx.custom_op.general", "finn.custom_op.general", "onnx.brevitas", "x" };
static const char *const attr_names[] = {
  "alpha", "beta", "transA", "transB", "axis", "axes", "epsilon", "momentum", "min", "max", "value", "allowzero",
  "signed", "narrow", "rounding_mode", "training_mode", "keepdims", "perm", "value_float", "value_ints", "x",
};
static const int64_t dim_values[] = { 0, 1, 2, 3, -1, -2, 4096, 65536, 1LL << 31, (1LL << 31) + 1, 1LL << 32,
                                      1LL << 40, INT64_MAX, INT64_MIN, 3037000500LL };
static const int32_t data_types[] = { 0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16, 17, 21, 22, 23, 99, -1 };

static char *dup_str(const char *s) {
  size_t n = strlen(s);
  char *p = malloc(n + 1);
  memcpy(p, s, n + 1);
  return p;
}

static void set_str(char **slot, const char *s) {
  char *p = dup_str(s);   /* s may be *slot itself */
  free(*slot);
  *slot = p;
}

/* Every tensor name of the graph (node inputs/outputs, initialisers, graph inputs/outputs). */
static const char *any_name(Onnx__GraphProto *g) {
  size_t total = 0;
  for (size_t i = 0; i < g->n_node; i++) total += g->node[i]->n_input + g->node[i]->n_output;
  total += g->n_initializer + g->n_input + g->n_output;
  if (total == 0) return "x";
  size_t k = rnd((uint32_t)total);
  for (size_t i = 0; i < g->n_node; i++) {
    Onnx__NodeProto *n = g->node[i];
    if (k < n->n_input) return n->input[k] ? n->input[k] : "";
    k -= n->n_input;
    if (k < n->n_output) return n->output[k] ? n->output[k] : "";
    k -= n->n_output;
  }
  if (k < g->n_initializer) return g->initializer[k]->name ? g->initializer[k]->name : "";
  k -= g->n_initializer;
  if (k < g->n_input) return g->input[k]->name ? g->input[k]->name : "";
  k -= g->n_input;
  return g->output[k]->name ? g->output[k]->name : "";
}

/* A deep copy of a message, by packing and unpacking it. */
static ProtobufCMessage *clone(const ProtobufCMessage *m) {
  size_t n = protobuf_c_message_get_packed_size(m);
  uint8_t *buf = malloc(n ? n : 1);
  protobuf_c_message_pack(m, buf);
  ProtobufCMessage *c = protobuf_c_message_unpack(m->descriptor, NULL, n, buf);
  free(buf);
  return c;
}

static void mutate_dims(int64_t **dims, size_t *n) {
  switch (rnd(4)) {
  case 0:   /* change one */
    if (*n) (*dims)[rnd((uint32_t)*n)] = dim_values[rnd(sizeof dim_values / sizeof *dim_values)];
    break;
  case 1: { /* append one */
    int64_t *d = malloc(sizeof(int64_t) * (*n + 1));
    if (*n) memcpy(d, *dims, sizeof(int64_t) * *n);
    d[*n] = dim_values[rnd(sizeof dim_values / sizeof *dim_values)];
    free(*dims);
    *dims = d;
    (*n)++;
    break;
  }
  case 2:   /* drop the last */
    if (*n) (*n)--;
    break;
  default:  /* small perturbation */
    if (*n) (*dims)[rnd((uint32_t)*n)] += (int64_t)rnd(5) - 2;
  }
}

static void mutate_tensor(Onnx__TensorProto *t, size_t max_size) {
  switch (rnd(5)) {
  case 0: mutate_dims(&t->dims, &t->n_dims); break;
  case 1: t->has_data_type = 1; t->data_type = data_types[rnd(sizeof data_types / sizeof *data_types)]; break;
  case 2:   /* truncate or mutate the data */
    if (t->has_raw_data && t->raw_data.len) {
      if (rnd(2)) t->raw_data.len = rnd((uint32_t)t->raw_data.len);
      else t->raw_data.len = LLVMFuzzerMutate(t->raw_data.data, t->raw_data.len, t->raw_data.len);
    } else if (t->n_float_data) {
      if (rnd(2)) t->n_float_data = rnd((uint32_t)t->n_float_data);
      else LLVMFuzzerMutate((uint8_t *)t->float_data, t->n_float_data * 4, t->n_float_data * 4);
    } else if (t->n_int64_data) {
      t->n_int64_data = rnd((uint32_t)t->n_int64_data);
    }
    break;
  case 3: {  /* special float values in the weights */
    static const uint32_t specials[] = { 0x7fc00000u, 0xffc00000u, 0x7f800000u, 0xff800000u, 0x00000001u, 0x80000001u,
                                         0x7f7fffffu, 0x00800000u, 0x4b800000u };
    uint32_t v = specials[rnd(sizeof specials / sizeof *specials)];
    if (t->has_raw_data && t->raw_data.len >= 4) memcpy(t->raw_data.data + 4 * rnd((uint32_t)(t->raw_data.len / 4)), &v, 4);
    else if (t->n_float_data) memcpy(&t->float_data[rnd((uint32_t)t->n_float_data)], &v, 4);
    break;
  }
  default:
    (void)max_size;
    if (t->n_dims) t->dims[rnd((uint32_t)t->n_dims)] = (int64_t)rnd(8);
  }
}

static void mutate_attribute(Onnx__AttributeProto *a, Onnx__GraphProto *g) {
  switch (rnd(7)) {
  case 0: a->has_type = 1; a->type = (Onnx__AttributeProto__AttributeType)rnd(15); break;
  case 1: a->has_i = 1; a->i = dim_values[rnd(sizeof dim_values / sizeof *dim_values)]; break;
  case 2: { static const float fs[] = { 0.f, -1.f, 1e30f, -1e-40f, 1.0f / 0.0f, 0.0f / 0.0f, 0.5f, 3.f };
            a->has_f = 1; a->f = fs[rnd(sizeof fs / sizeof *fs)]; break; }
  case 3: if (a->n_ints) a->ints[rnd((uint32_t)a->n_ints)] = dim_values[rnd(sizeof dim_values / sizeof *dim_values)]; break;
  case 4: set_str(&a->name, attr_names[rnd(sizeof attr_names / sizeof *attr_names)]); break;
  case 5: if (a->t) mutate_tensor(a->t, 0); break;
  default: (void)g; a->n_ints = a->n_ints ? rnd((uint32_t)a->n_ints) : 0;
  }
}

static void mutate_node(Onnx__GraphProto *g, Onnx__NodeProto *n) {
  switch (rnd(9)) {
  case 0: set_str(&n->op_type, op_types[rnd(sizeof op_types / sizeof *op_types)]); break;
  case 1: set_str(&n->domain, domains[rnd(sizeof domains / sizeof *domains)]); break;
  case 2:   /* rewire an input: dangling, another tensor (maybe a later one: a cycle), empty */
    if (n->n_input) {
      size_t k = rnd((uint32_t)n->n_input);
      uint32_t c = rnd(4);
      set_str(&n->input[k], c == 0 ? "nobody" : c == 1 ? "" : any_name(g));
    }
    break;
  case 3:   /* rename an output: a duplicate of another name */
    if (n->n_output) set_str(&n->output[rnd((uint32_t)n->n_output)], rnd(3) ? any_name(g) : "");
    break;
  case 4:   /* add an input */
  {
    char **in = malloc(sizeof(char *) * (n->n_input + 1));
    if (n->n_input) memcpy(in, n->input, sizeof(char *) * n->n_input);
    in[n->n_input] = dup_str(any_name(g));
    free(n->input);
    n->input = in;
    n->n_input++;
    break;
  }
  case 5:   /* drop the last input */
    if (n->n_input) { free(n->input[n->n_input - 1]); n->n_input--; }
    break;
  case 6:
    if (n->n_attribute) mutate_attribute(n->attribute[rnd((uint32_t)n->n_attribute)], g);
    break;
  case 7:   /* duplicate an attribute (same name twice) or drop one */
    if (n->n_attribute && rnd(2)) {
      Onnx__AttributeProto **a = malloc(sizeof *a * (n->n_attribute + 1));
      memcpy(a, n->attribute, sizeof *a * n->n_attribute);
      a[n->n_attribute] = (Onnx__AttributeProto *)clone(&n->attribute[rnd((uint32_t)n->n_attribute)]->base);
      if (!a[n->n_attribute]) { free(a); break; }
      free(n->attribute);
      n->attribute = a;
      n->n_attribute++;
    } else if (n->n_attribute) {
      protobuf_c_message_free_unpacked(&n->attribute[n->n_attribute - 1]->base, NULL);
      n->n_attribute--;
    }
    break;
  default:
    if (n->n_output) set_str(&n->output[0], any_name(g));
  }
}

static void mutate_value_info(Onnx__ValueInfoProto *v, Onnx__GraphProto *g) {
  if (!v->type || v->type->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !v->type->tensor_type) {
    set_str(&v->name, any_name(g));
    return;
  }
  Onnx__TypeProto__Tensor *t = v->type->tensor_type;
  switch (rnd(4)) {
  case 0: t->has_elem_type = 1; t->elem_type = data_types[rnd(sizeof data_types / sizeof *data_types)]; break;
  case 1:
    if (t->shape && t->shape->n_dim) {
      Onnx__TensorShapeProto__Dimension *d = t->shape->dim[rnd((uint32_t)t->shape->n_dim)];
      if (d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM) { free(d->dim_param); }
      d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
      d->dim_value = dim_values[rnd(sizeof dim_values / sizeof *dim_values)];
    }
    break;
  case 2:
    if (t->shape && t->shape->n_dim) {   /* drop the last dimension */
      t->shape->n_dim--;
      protobuf_c_message_free_unpacked(&t->shape->dim[t->shape->n_dim]->base, NULL);
    }
    break;
  default: set_str(&v->name, any_name(g));
  }
}

static void mutate_graph(Onnx__ModelProto *model, Onnx__GraphProto *g, size_t max_size) {
  uint32_t what = rnd(10);
  if (what <= 3 && g->n_node) { mutate_node(g, g->node[rnd((uint32_t)g->n_node)]); return; }
  switch (what) {
  case 4:
    if (g->n_initializer) mutate_tensor(g->initializer[rnd((uint32_t)g->n_initializer)], max_size);
    return;
  case 5:
    if (g->n_input && rnd(2)) mutate_value_info(g->input[rnd((uint32_t)g->n_input)], g);
    else if (g->n_output) mutate_value_info(g->output[rnd((uint32_t)g->n_output)], g);
    return;
  case 6:   /* swap two nodes (order, cycles) */
    if (g->n_node >= 2) {
      size_t a = rnd((uint32_t)g->n_node), b = rnd((uint32_t)g->n_node);
      Onnx__NodeProto *t = g->node[a]; g->node[a] = g->node[b]; g->node[b] = t;
    }
    return;
  case 7:   /* delete a node */
    if (g->n_node) {
      size_t a = rnd((uint32_t)g->n_node);
      protobuf_c_message_free_unpacked(&g->node[a]->base, NULL);
      memmove(&g->node[a], &g->node[a + 1], sizeof(*g->node) * (g->n_node - a - 1));
      g->n_node--;
    }
    return;
  case 8:   /* duplicate a node (its outputs are then produced twice) */
    if (g->n_node) {
      Onnx__NodeProto *c = (Onnx__NodeProto *)clone(&g->node[rnd((uint32_t)g->n_node)]->base);
      if (!c) return;
      Onnx__NodeProto **nodes = malloc(sizeof *nodes * (g->n_node + 1));
      memcpy(nodes, g->node, sizeof *nodes * g->n_node);
      size_t at = rnd((uint32_t)g->n_node + 1);
      memmove(&nodes[at + 1], &nodes[at], sizeof *nodes * (g->n_node - at));
      nodes[at] = c;
      free(g->node);
      g->node = nodes;
      g->n_node++;
    }
    return;
  default:  /* opset and IR version */
    if (model->n_opset_import) {
      static const int64_t v[] = { 1, 7, 9, 11, 13, 17, 21, 22, -1, 1LL << 40 };
      Onnx__OperatorSetIdProto *o = model->opset_import[rnd((uint32_t)model->n_opset_import)];
      o->has_version = 1;
      o->version = v[rnd(sizeof v / sizeof *v)];
    } else {
      model->has_ir_version = 1;
      model->ir_version = (int64_t)rnd(16);
    }
  }
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed) {
  rng_state = (uint64_t)seed * 0x9E3779B97F4A7C15ull + 1;
  if (rnd(2) == 0 || size == 0) return LLVMFuzzerMutate(data, size, max_size);
  Onnx__ModelProto *m = onnx__model_proto__unpack(NULL, size, data);
  if (!m) return LLVMFuzzerMutate(data, size, max_size);
  if (m->graph) {
    unsigned rounds = 1 + rnd(3);
    for (unsigned r = 0; r < rounds; r++) mutate_graph(m, m->graph, max_size);
  }
  size_t n = onnx__model_proto__get_packed_size(m);
  if (n <= max_size) {
    onnx__model_proto__pack(m, data);
  } else {
    n = LLVMFuzzerMutate(data, size, max_size);
  }
  onnx__model_proto__free_unpacked(m, NULL);
  return n;
}
