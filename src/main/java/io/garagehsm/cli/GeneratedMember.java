package io.garagehsm.cli;

import java.lang.annotation.Annotation;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.IAnnotatedElement;
import picocli.CommandLine.Model.IExtensible;
import picocli.CommandLine.Model.IGetter;
import picocli.CommandLine.Model.IScope;
import picocli.CommandLine.Model.IScoped;
import picocli.CommandLine.Model.ISetter;
import picocli.CommandLine.Model.ITypeInfo;

/**
 * One annotated field of a command, mixin or argument group, as the generated model hands it to
 * picocli's builders (what picocli's reflection makes of a field, without the reflection): its
 * annotation (a generated constant implementation of the annotation interface), name, type and the
 * field's reading and writing, which a generated subclass per class does with a switch on {@link
 * #member}. picocli reads the initial value through {@link #get} when it first needs it, as it does
 * for a field it found by reflection.
 */
abstract class GeneratedMember
    implements IAnnotatedElement, IExtensible, IGetter, ISetter, IScoped {
  /** Which field of the class, for the subclass's switch. */
  final int member;

  private final Annotation annotation;
  private final String name;
  private final String field;
  private final String toString;
  private final ITypeInfo typeInfo;
  private final IScope scope;

  GeneratedMember(
      int member,
      Annotation annotation,
      String name,
      String field,
      String toString,
      ITypeInfo typeInfo,
      IScope scope) {
    this.member = member;
    this.annotation = annotation;
    this.name = name;
    this.field = field;
    this.toString = toString;
    this.typeInfo = typeInfo;
    this.scope = scope;
  }

  /** The field's value in {@code target}. */
  abstract Object read(Object target);

  /** Sets the field in {@code target}. */
  abstract void write(Object target, Object value);

  /** As picocli's field binding, with its messages. */
  @Override
  @SuppressWarnings("unchecked")
  public <T> T get() {
    Object target = target();
    try {
      return (T) read(target);
    } catch (RuntimeException e) {
      throw new CommandLine.PicocliException("Could not get value for field " + field, e);
    }
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T> T set(T value) {
    Object target = target();
    try {
      T old = (T) read(target);
      write(target, value);
      return old;
    } catch (RuntimeException e) {
      throw new CommandLine.PicocliException(
          "Could not set value for field " + field + " to " + value, e);
    }
  }

  private Object target() {
    try {
      return scope.get();
    } catch (Exception e) {
      throw new CommandLine.PicocliException("Could not get scope for field " + field, e);
    }
  }

  @Override
  public IScope getScope() {
    return scope;
  }

  /** Not the field (that would need reflection): the member itself. */
  @Override
  public Object userObject() {
    return this;
  }

  @Override
  public boolean isAnnotationPresent(Class<? extends Annotation> annotationClass) {
    return annotationClass.isInstance(annotation);
  }

  @Override
  public <T extends Annotation> T getAnnotation(Class<T> annotationClass) {
    return annotationClass.isInstance(annotation) ? annotationClass.cast(annotation) : null;
  }

  @Override
  public String getName() {
    return name;
  }

  @Override
  public String getMixinName() {
    String n = getAnnotation(CommandLine.Mixin.class).name(); // as picocli: NPE if none
    return n.isEmpty() ? name : n;
  }

  @Override
  public boolean isArgSpec() {
    return isOption() || isParameter();
  }

  @Override
  public boolean isOption() {
    return annotation instanceof CommandLine.Option;
  }

  @Override
  public boolean isParameter() {
    return annotation instanceof CommandLine.Parameters;
  }

  @Override
  public boolean isArgGroup() {
    return annotation instanceof CommandLine.ArgGroup;
  }

  @Override
  public boolean isMixin() {
    return annotation instanceof CommandLine.Mixin;
  }

  @Override
  public boolean isUnmatched() {
    return annotation instanceof CommandLine.Unmatched;
  }

  @Override
  public boolean isSpec() {
    return annotation instanceof CommandLine.Spec;
  }

  @Override
  public boolean isParentCommand() {
    return annotation instanceof CommandLine.ParentCommand;
  }

  @Override
  public boolean isMultiValue() {
    return typeInfo.isMultiValue();
  }

  @Override
  public boolean isInteractive() {
    return (annotation instanceof CommandLine.Option o && o.interactive())
        || (annotation instanceof CommandLine.Parameters p && p.interactive());
  }

  /** A field: picocli reads its initial value when it first needs it. */
  @Override
  public boolean hasInitialValue() {
    return true;
  }

  @Override
  public boolean isMethodParameter() {
    return false;
  }

  @Override
  public int getMethodParamPosition() {
    return -1;
  }

  @Override
  public IScope scope() {
    return scope;
  }

  @Override
  public IGetter getter() {
    return this;
  }

  @Override
  public ISetter setter() {
    return this;
  }

  @Override
  public ITypeInfo getTypeInfo() {
    return typeInfo;
  }

  @Override
  public String getToString() {
    return toString;
  }

  @Override
  public String toString() {
    return toString;
  }

  /**
   * picocli's state of a field's initial value (a package-private enum of picocli's): POSTPONED,
   * read through the getter when first needed, as for a field found by reflection.
   */
  @Override
  public <T> T getExtension(Class<T> cls) {
    if (cls.isEnum() && cls.getName().equals("picocli.CommandLine$Model$InitialValueState")) {
      for (T state : cls.getEnumConstants()) {
        if (((Enum<?>) state).name().equals("POSTPONED")) {
          return state;
        }
      }
    }
    return null;
  }

  /**
   * The command object of a spec, as picocli's scope of a command's fields: created (by the
   * factory, through the spec) when a field is first read, not before, as with picocli's
   * reflection.
   */
  static final class CommandScope implements IScope {
    private final CommandLine.Model.CommandSpec spec;

    CommandScope(CommandLine.Model.CommandSpec spec) {
      this.spec = spec;
    }

    @Override
    @SuppressWarnings({"unchecked", "TypeParameterUnusedInFormals"})
    public <T> T get() {
      return (T) spec.userObject();
    }

    @Override
    public <T> T set(T value) {
      throw new UnsupportedOperationException("a command's object is not replaced");
    }

    @Override
    public String toString() {
      return "CommandScope(" + spec.userObject().getClass().getName() + ")";
    }
  }

  /** Holds the object whose fields the members read (picocli's ObjectScope, which is private). */
  static final class Scope implements IScope {
    private Object value;

    Scope(Object value) {
      this.value = value;
    }

    @Override
    @SuppressWarnings({"unchecked", "TypeParameterUnusedInFormals"})
    public <T> T get() {
      return (T) value;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T set(T newValue) {
      T old = (T) value;
      value = newValue;
      return old;
    }

    @Override
    public String toString() {
      return "Scope(value=" + value + ")";
    }
  }

  /** picocli's type information of a field (its RuntimeTypeInfo, which is package-private). */
  static final class TypeInfo implements ITypeInfo {
    private final Class<?> type;
    private final Class<?>[] auxiliaryTypes;
    private final List<String> actualGenericTypeArguments;

    TypeInfo(Class<?> type, Class<?>[] auxiliaryTypes, List<String> actualGenericTypeArguments) {
      this.type = type;
      this.auxiliaryTypes = auxiliaryTypes.clone();
      this.actualGenericTypeArguments = List.copyOf(actualGenericTypeArguments);
    }

    /** As picocli's RuntimeTypeInfo.createForAuxType (no generic type, so no element types). */
    private static TypeInfo forAuxType(Class<?> type) {
      Class<?>[] aux;
      if (type.isArray()) {
        aux = new Class<?>[] {type.getComponentType()};
      } else if (isMultiValue(type) || isOptional(type)) {
        aux = new Class<?>[] {String.class, String.class};
      } else {
        aux = new Class<?>[] {type};
      }
      return new TypeInfo(type, aux, List.of());
    }

    private static boolean isMultiValue(Class<?> cls) {
      return (cls.isArray() && cls != char[].class)
          || Collection.class.isAssignableFrom(cls)
          || Map.class.isAssignableFrom(cls);
    }

    private static boolean isOptional(Class<?> cls) {
      return cls != null && "java.util.Optional".equals(cls.getName());
    }

    @Override
    public boolean isBoolean() {
      return auxiliaryTypes[0] == boolean.class || auxiliaryTypes[0] == Boolean.class;
    }

    @Override
    public boolean isMultiValue() {
      return isMultiValue(type);
    }

    @Override
    public boolean isArray() {
      return type.isArray() && type != char[].class;
    }

    @Override
    public boolean isCollection() {
      return Collection.class.isAssignableFrom(type);
    }

    @Override
    public boolean isMap() {
      return Map.class.isAssignableFrom(type);
    }

    @Override
    public boolean isOptional() {
      return isOptional(type);
    }

    @Override
    public boolean isEnum() {
      return auxiliaryTypes[0].isEnum();
    }

    @Override
    public String getClassName() {
      return type.getName();
    }

    @Override
    public String getClassSimpleName() {
      return type.getSimpleName();
    }

    @Override
    public Class<?> getType() {
      return type;
    }

    @Override
    public Class<?>[] getAuxiliaryTypes() {
      return auxiliaryTypes;
    }

    @Override
    public List<String> getActualGenericTypeArguments() {
      return actualGenericTypeArguments;
    }

    @Override
    public List<ITypeInfo> getAuxiliaryTypeInfos() {
      List<ITypeInfo> result = new ArrayList<>();
      for (Class<?> c : auxiliaryTypes) {
        result.add(forAuxType(c));
      }
      return result;
    }

    @Override
    public List<String> getEnumConstantNames() {
      if (!isEnum()) {
        return Collections.emptyList();
      }
      List<String> result = new ArrayList<>();
      for (Object c : auxiliaryTypes[0].getEnumConstants()) {
        result.add(c.toString());
      }
      return result;
    }

    @Override
    public boolean equals(Object obj) {
      return obj instanceof TypeInfo other
          && Arrays.equals(other.auxiliaryTypes, auxiliaryTypes)
          && type.equals(other.type);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(auxiliaryTypes) + 37 * type.hashCode();
    }

    @Override
    public String toString() {
      return String.format(
          "RuntimeTypeInfo(%s, aux=%s, collection=%s, map=%s)",
          type.getCanonicalName(), Arrays.toString(auxiliaryTypes), isCollection(), isMap());
    }
  }
}
