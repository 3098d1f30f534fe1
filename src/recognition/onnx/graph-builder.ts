/**
 * A small ONNX graph builder over `onnx-proto`'s protobuf encoder: named float constants, nodes, one float
 * input with symbolic dimensions, one output. Conv helpers take tfjs-layout filters and transpose them.
 */
import onnxProto from 'onnx-proto';
import type { WeightTensor } from './weights.js';

const { onnx } = onnxProto;

/** An attribute value: a number or number list is an INT/INTS attribute, `{ float }` a FLOAT one. */
export type AttributeValue = number | readonly number[] | string | { readonly float: number };

/** ONNX opset the graphs are written for (ReduceMean still takes `axes` as an attribute at 17). */
export const OPSET = 17;

export interface ConvSpec {
  /** ONNX layout [out, in / group, kh, kw]. */
  readonly weight: WeightTensor;
  readonly bias?: WeightTensor;
  readonly strides?: readonly [number, number];
  /** Explicit [top, left, bottom, right], or TensorFlow's 'same' (extra pixel at the end: SAME_UPPER). */
  readonly padding?: readonly [number, number, number, number] | 'same';
  readonly group?: number;
}

function attribute(name: string, value: AttributeValue): onnxProto.onnx.IAttributeProto {
  const { AttributeType } = onnx.AttributeProto;
  if (typeof value === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value) };
  if (typeof value === 'number') return { name, type: AttributeType.INT, i: value };
  if ('float' in value) return { name, type: AttributeType.FLOAT, f: value.float };
  return { name, type: AttributeType.INTS, ints: [...value] };
}

/** tfjs conv filters [kh, kw, in, out] as ONNX [out, in, kh, kw]. */
export function hwioToOihw({ shape, data }: WeightTensor): WeightTensor {
  const [kh, kw, cin, cout] = shape as [number, number, number, number];
  const out = new Float32Array(data.length);
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      for (let i = 0; i < cin; i++) {
        for (let o = 0; o < cout; o++) out[((o * cin + i) * kh + y) * kw + x] = data[((y * kw + x) * cin + i) * cout + o]!;
      }
    }
  }
  return { shape: [cout, cin, kh, kw], data: out };
}

/** tfjs depthwise filters [kh, kw, C, 1] as ONNX [C, 1, kh, kw] (a Conv with group = C). */
export function depthwiseToOnnx(filter: WeightTensor): WeightTensor {
  const [kh, kw, channels] = filter.shape as [number, number, number, number];
  return { shape: [channels, 1, kh, kw], data: hwioToOihw(filter).data };
}

export class GraphBuilder {
  private readonly nodes: onnxProto.onnx.INodeProto[] = [];
  private readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  private counter = 0;

  constructor(readonly name: string) {}

  private fresh(op: string): string {
    this.counter += 1;
    return `${op.toLowerCase()}_${this.counter}`;
  }

  constant({ shape, data }: WeightTensor): string {
    const name = this.fresh('const');
    this.initializers.push({
      name,
      dims: [...shape],
      dataType: onnx.TensorProto.DataType.FLOAT,
      rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    });
    return name;
  }

  /** An int64 vector constant (Pad's pads, Reshape's shape). */
  int64Constant(values: readonly number[]): string {
    const name = this.fresh('const');
    this.initializers.push({ name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, int64Data: [...values] });
    return name;
  }

  node(op: string, inputs: readonly string[], attributes: Record<string, AttributeValue> = {}): string {
    const output = this.fresh(op);
    const attribute_ = Object.entries(attributes).map(([key, value]) => attribute(key, value));
    this.nodes.push({ opType: op, input: [...inputs], output: [output], name: output, attribute: attribute_ });
    return output;
  }

  conv(x: string, spec: ConvSpec): string {
    const [, , kh, kw] = spec.weight.shape as [number, number, number, number];
    const inputs = [x, this.constant(spec.weight)];
    if (spec.bias !== undefined) inputs.push(this.constant(spec.bias));
    const attributes: Record<string, AttributeValue> = {
      kernel_shape: [kh, kw],
      strides: spec.strides ?? [1, 1],
      group: spec.group ?? 1,
    };
    if (spec.padding === 'same') attributes.auto_pad = 'SAME_UPPER';
    else attributes.pads = spec.padding ?? [0, 0, 0, 0];
    return this.node('Conv', inputs, attributes);
  }

  /**
   * The encoded model: input `input` [batch, 3, height, width] (NCHW float), output `output`. Height and
   * width may be fixed numbers or left symbolic.
   */
  encode(output: string, inputSize?: number): Uint8Array {
    const dim = (value: number | string) => (typeof value === 'number' ? { dimValue: value } : { dimParam: value });
    const float = onnx.TensorProto.DataType.FLOAT;
    const spatial = inputSize ?? 'size';
    const input = {
      name: 'input',
      type: { tensorType: { elemType: float, shape: { dim: [dim('batch'), dim(3), dim(spatial), dim(spatial)] } } },
    };
    const graph = {
      name: this.name,
      // The last node's output renamed `output`, so that every graph answers under one name.
      node: [...this.nodes, { opType: 'Identity', input: [output], output: ['output'], name: 'output' }],
      initializer: this.initializers,
      input: [input],
      output: [{ name: 'output', type: { tensorType: { elemType: float } } }],
    };
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'scaleface',
      opsetImport: [{ domain: '', version: OPSET }],
      graph,
    });
    return onnx.ModelProto.encode(model).finish();
  }
}
